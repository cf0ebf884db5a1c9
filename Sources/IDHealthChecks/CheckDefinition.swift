/// A setting a check reads from `idhealth.yml` (`checks.<id>.<name>`), declared in its SQL
/// file's header: `-- param warn (threshold) = > 50 | warn when …`.
public struct CheckParameter: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case integer
        case number
        case threshold
        case strings
        /// Regular expressions, each checked when the configuration is read.
        case patterns
        /// A mapping of identifier type to a whole number (identifier limits).
        case limits
        /// How many keys to compare: a whole number of one or more, or `all`.
        case sample
    }

    /// The `sample` value that compares every key instead of a sample.
    public static let everyKey = "all"

    public let name: String
    public let kind: Kind
    public let defaultValue: ConfigValue
    public let help: String

    public init(name: String, kind: Kind, defaultValue: ConfigValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Parses a default as its header writes it: `> 50`, `5`, `3`, `[user_id, email]`,
    /// `{user_id: 1}`; nil when the text is not of the kind.
    public static func value(_ text: String, kind: Kind) -> ConfigValue? {
        let text = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .integer: return Int(text).map(ConfigValue.integer)
        case .number: return Double(text).map(ConfigValue.number)
        case .threshold: return Threshold(parsing: text).map(ConfigValue.threshold)
        case .strings, .patterns:
            guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
            let items = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .strings(items.filter { !$0.isEmpty })
        case .sample:
            if text == CheckParameter.everyKey { return .string(text) }
            return Int(text).flatMap { $0 >= 1 ? ConfigValue.integer($0) : nil }
        case .limits:
            guard text.hasPrefix("{"), text.hasSuffix("}") else { return nil }
            var limits: [String: Int] = [:]
            for pair in text.dropFirst().dropLast().split(separator: ",") {
                let parts = pair.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let limit = Int(parts[1]) else { return nil }
                limits[parts[0]] = limit
            }
            return .limits(limits)
        }
    }
}

/// What the report and the config file know about a check before it runs: read from the
/// header of its SQL file.
public struct CheckDefinition: Sendable {
    /// The check id: a contract (reports, `--select`, `idhealth.yml`).
    public let id: String
    public let title: String
    /// One sentence on what it finds, for `idhealth init` and the report.
    public let summary: String
    /// How its default thresholds judge, in words (`-- judgment:`; the README's check table).
    public let judgment: String?
    public let parameters: [CheckParameter]

    public init(id: String, title: String, summary: String, judgment: String? = nil, parameters: [CheckParameter]) {
        self.id = id
        self.title = title
        self.summary = summary
        self.judgment = judgment
        self.parameters = parameters
    }

    /// A parameter's default.
    public func defaultValue(_ name: String) -> ConfigValue? {
        parameters.first { $0.name == name }?.defaultValue
    }
}

/// The built-in checks, in report order: every `checks/*.sql` file embedded into the binary
/// (``BuiltinChecks``) whose header declares an `order`. Nothing else lists them.
public enum CheckCatalog {
    /// Every built-in check, in report order (the CI gate first, then by how much harm a
    /// finding does).
    public static let all: [CheckDefinition] = BuiltinChecks.checks.map(\.definition)

    public static var ids: [String] { all.map(\.id) }

    public static func definition(id: String) -> CheckDefinition? {
        all.first(where: { $0.id == id })
    }
}
