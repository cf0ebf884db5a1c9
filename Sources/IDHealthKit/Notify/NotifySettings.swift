import Foundation
import Yams
import IDHealthSQL

/// One destination of `notify:` in `idhealth.yml`: where a run's outcome is posted, and when.
public struct NotifyDestination: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A Slack incoming webhook: a Block Kit message.
        case slack
        /// Any URL: the JSON document of `schema/notification.schema.json`.
        case webhook
    }

    /// Which runs are worth a message.
    public enum When: String, Sendable, CaseIterable {
        /// The run exits 1 (a check failed, or warned under `--fail-on warn`), or a check erred.
        case failure
        /// As `failure`, or a check warns.
        case warning
        /// A check's status differs from the previous recorded run (the first run counts).
        case change
        case always
    }

    public var kind: Kind
    /// The URL as written: a URL, or `env:NAME` to read it from the environment. A Slack
    /// webhook URL is a credential, so it is never printed or written anywhere.
    public var address: String
    public var when: When = .failure
    /// Seconds to wait for an answer to each try.
    public var timeoutSeconds: Double = 10
    /// Where it is written (`idhealth.yml:14`), for messages.
    public var origin: String

    public init(kind: Kind, address: String, when: When = .failure, timeoutSeconds: Double = 10, origin: String) {
        self.kind = kind
        self.address = address
        self.when = when
        self.timeoutSeconds = timeoutSeconds
        self.origin = origin
    }

    /// The URL, with `env:NAME` read from `environment`. A variable that is unset or empty, or
    /// a URL that is not http(s), is exit 2 before anything runs; the message names the
    /// variable or the place, never the URL.
    public func url(environment: [String: String]) throws -> String {
        var url = address
        var source = "the \(kind.rawValue) URL"
        if address.hasPrefix("env:") {
            let name = String(address.dropFirst("env:".count))
            guard let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigError("\(origin): notify: environment variable \(name) is not set (it holds the \(kind.rawValue) URL)")
            }
            url = value.trimmingCharacters(in: .whitespacesAndNewlines)
            source = "environment variable \(name)"
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", !(components.host ?? "").isEmpty else {
            throw ConfigError("\(origin): notify: \(source) is not an http:// or https:// URL")
        }
        return url
    }

    /// How a destination is named in messages: its kind and the URL's scheme, host and port,
    /// without the path or query, where a Slack webhook keeps its secret.
    public static func label(kind: Kind, url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return kind.rawValue
        }
        return "\(kind.rawValue) \(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }
}

extension ConfigReader {
    /// `notify:`: a list of mappings, each with one of `slack:` or `webhook:`, and `when:`
    /// and `timeout:`.
    func notifyDestinations(_ node: Node) throws -> [NotifyDestination] {
        guard case .sequence(let sequence) = node else {
            throw error(node, "`notify` must be a list of destinations, such as `- slack: env:IDHEALTH_SLACK_WEBHOOK`")
        }
        return try sequence.enumerated().map { index, item in
            let path = "notify[\(index)]"
            let origin = item.mark.map { "\(file):\($0.line)" } ?? file
            var kind: NotifyDestination.Kind?
            var address = ""
            var when = NotifyDestination.When.failure
            var timeout = 10.0
            for (key, value) in try mapping(item, path: path) {
                switch key {
                case "slack", "webhook":
                    guard kind == nil else { throw error(value, "`\(path)` names both slack and webhook: one destination each") }
                    kind = NotifyDestination.Kind(rawValue: key)
                    address = try string(value, path: "\(path).\(key)")
                case "when": when = try choice(value, path: "\(path).when")
                case "timeout":
                    timeout = try number(value, path: "\(path).timeout")
                    guard timeout > 0, timeout <= 300 else { throw error(value, "`\(path).timeout` must be more than 0 and at most 300 seconds") }
                default: throw unknownKey(key, in: value, path: "\(path).\(key)", valid: ["slack", "webhook", "when", "timeout"])
                }
            }
            guard let kind else { throw error(item, "`\(path)` needs `slack:` or `webhook:` and the URL (or env:NAME)") }
            return NotifyDestination(kind: kind, address: address, when: when, timeoutSeconds: timeout, origin: origin)
        }
    }
}
