/// A setting a check reads from `idhealth.yml` (`checks.<id>.<name>`).
public struct CheckParameter: Sendable {
    public enum Kind: Sendable {
        case integer
        case number
        case threshold
        case strings
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: ConfigValue
    public let help: String
}

/// What the report and the config file know about a check before it runs.
public struct CheckDefinition: Sendable {
    /// The check id: a contract (reports, `--select`, `idhealth.yml`).
    public let id: String
    public let title: String
    /// One sentence on what it finds, for `idhealth init` and the report.
    public let summary: String
    public let parameters: [CheckParameter]
}

/// The built-in checks, in report order.
public enum CheckCatalog {
    public static let mergeFanIn = CheckDefinition(
        id: "merge_fan_in",
        title: "Merge fan-in and super-profiles",
        summary: "live profiles holding more segment_ids than a person plausibly has",
        parameters: [
            CheckParameter(name: "warn", kind: .threshold, defaultValue: .threshold(Threshold(.greater, 50)),
                           help: "warn when a live profile has more segment_ids than this"),
            CheckParameter(name: "fail", kind: .threshold, defaultValue: .threshold(Threshold(.greater, 500)),
                           help: "fail when a live profile has more segment_ids than this"),
            CheckParameter(name: "top", kind: .integer, defaultValue: .integer(5),
                           help: "how many of the largest profiles to explain with their most shared external ids"),
        ]
    )

    public static let mergeChains = CheckDefinition(
        id: "merge_chains",
        title: "Broken merge chains",
        summary: "segment_ids whose current pointer does not land on a terminal profile in one hop",
        parameters: [
            CheckParameter(name: "warn", kind: .threshold, defaultValue: .threshold(Threshold(.greater, 0)),
                           help: "warn when this many segment_ids are affected (a fail threshold below it wins)"),
            CheckParameter(name: "fail", kind: .threshold, defaultValue: .threshold(Threshold(.greater, 0)),
                           help: "fail when this many segment_ids are affected; \"> 0\" makes it the CI gate"),
        ]
    )

    public static let all: [CheckDefinition] = [mergeFanIn, mergeChains]

    public static var ids: [String] { all.map(\.id) }

    public static func definition(id: String) -> CheckDefinition? {
        all.first(where: { $0.id == id })
    }
}
