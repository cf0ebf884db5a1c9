import Foundation
import IDHealthSQL
import IDHealthChecks
import IDHealthReports

/// Sends a check run's outcome to the destinations of `notify:` whose `when` it meets.
///
/// Delivery never changes the verdict: each try waits at most the destination's timeout; a
/// 5xx answer or a failed connection is tried again (three tries in all, 1 s then 2 s apart);
/// a 4xx is not (the request itself is wrong); a timeout is not either (the receiver may have
/// taken the message, and a second try would post it twice). What failed comes back as a
/// warning naming the destination by scheme and host only.
public struct Notifier {
    /// A destination with its URL resolved (``NotifyDestination/url(environment:)``).
    public struct Target: Sendable {
        public let destination: NotifyDestination
        public let url: String

        public var label: String { NotifyDestination.label(kind: destination.kind, url: url) }
    }

    /// What happened at one destination.
    public struct Delivery: Sendable {
        public let label: String
        /// Why it was sent (or, in a dry run, would be); nil when `when` did not call for it.
        public let reason: String?
        /// The body, as sent.
        public let body: Data?
        /// Why it did not arrive; nil when it did (or was not sent).
        public let failure: String?
    }

    public let targets: [Target]
    public let reportURL: String?
    /// Seconds between tries: the second waits the first of these, the third the second.
    var backoffSeconds: [Double] = [1, 2]

    /// Resolves every destination's URL now, before anything runs: a missing `env:` variable
    /// is exit 2 naming it.
    public init(configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        targets = try configuration.notify.map { Target(destination: $0, url: try $0.url(environment: environment)) }
        reportURL = configuration.reportURL
    }

    /// Why `when` calls for a message about this run, or nil when it does not.
    static func reason(_ when: NotifyDestination.When, run: CheckRun, exitStatus: Int32) -> String? {
        let erred = run.results.contains { $0.status == .error }
        let failed = exitStatus == 1 || erred
        switch when {
        case .always: return "every run (when: always)"
        case .failure: return failed ? "the run failed (when: failure)" : nil
        case .warning:
            if failed { return "the run failed (when: warning)" }
            return run.results.contains { $0.status == .warn } ? "a check warns (when: warning)" : nil
        case .change:
            if run.previous.isEmpty { return "no earlier run is recorded (when: change)" }
            let changed = run.results.filter { $0.status != .skipped && run.previous[$0.id]?.status != $0.status.rawValue }
            guard !changed.isEmpty else { return nil }
            return "\(changed.count) check\(changed.count == 1 ? "" : "s") changed status (when: change): \(changed.prefix(5).map(\.id).joined(separator: ", "))"
        }
    }

    /// The body for one destination.
    func body(for target: Target, run: CheckRun, context: ReportContext, exitStatus: Int32) throws -> Data {
        switch target.destination.kind {
        case .webhook:
            return try NotificationDocument.encoded(NotificationDocument.document(run, context: context, exitStatus: exitStatus, reportURL: reportURL))
        case .slack:
            return try SlackMessage.encoded(SlackMessage.payload(run, context: context, reportURL: reportURL))
        }
    }

    /// Sends (or, with `dryRun`, only builds) each destination's message that its `when` calls for.
    public func deliver(_ run: CheckRun, context: ReportContext, exitStatus: Int32, dryRun: Bool) -> [Delivery] {
        targets.map { target in
            guard let reason = Self.reason(target.destination.when, run: run, exitStatus: exitStatus) else {
                return Delivery(label: target.label, reason: nil, body: nil, failure: nil)
            }
            let body: Data
            do {
                body = try self.body(for: target, run: run, context: context, exitStatus: exitStatus)
            } catch {
                return Delivery(label: target.label, reason: reason, body: nil, failure: "the message could not be built: \(error)")
            }
            if dryRun { return Delivery(label: target.label, reason: reason, body: body, failure: nil) }
            return Delivery(label: target.label, reason: reason, body: body, failure: post(body, to: target))
        }
    }

    /// Posts with retries; why it failed in the end (nil: delivered), with how many tries.
    func post(_ body: Data, to target: Target) -> String? {
        let curl: CurlLibrary
        switch CurlLibrary.shared {
        case .success(let library): curl = library
        case .failure(let error): return error.message
        }
        let request = HTTPPost(url: target.url, body: body, timeoutSeconds: target.destination.timeoutSeconds)
        var tries = 0
        while true {
            tries += 1
            let failure: String
            var retry = false
            switch request.send(using: curl) {
            case .answered(let status) where (200..<300).contains(status):
                return nil
            case .answered(let status):
                failure = "answered HTTP \(status)"
                retry = status >= 500
            case .timedOut:
                failure = "no answer within \(String(format: "%g", target.destination.timeoutSeconds)) s (not tried again: it may have arrived)"
            case .failed(let message):
                failure = SecretText.redact(message, secrets: Self.secretParts(of: target.url))
                retry = true
            }
            guard retry, tries <= backoffSeconds.count else {
                return failure + (tries > 1 ? " after \(tries) tries" : "")
            }
            Thread.sleep(forTimeInterval: backoffSeconds[tries - 1])
        }
    }

    /// The path, query and user information of a URL: what a message about it must not show.
    static func secretParts(of url: String) -> [String] {
        guard let components = URLComponents(string: url) else { return [url] }
        return [url, components.percentEncodedPath, components.percentEncodedQuery ?? "", components.password ?? "", components.user ?? ""]
            .filter { $0.count > 1 }
    }
}
