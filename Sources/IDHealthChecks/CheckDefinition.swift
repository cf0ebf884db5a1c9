import IDHealthSQL
import IDHealthMaterialize

/// A setting a check reads from `idhealth.yml` (`checks.<id>.<name>`).
public struct CheckParameter: Sendable {
    public enum Kind: Sendable {
        case integer
        case number
        case threshold
        case strings
        /// A mapping of identifier type to a whole number (identifier limits).
        case limits
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

    public static let mergedProfileTraits = CheckDefinition(
        id: "merged_profile_traits",
        title: "Merged-away profiles that still carry traits",
        summary: "merged-away profiles with a non-NULL trait, in the raw history or the materialized profile_traits",
        parameters: [
            warnThreshold("> 0", "warn when this many merged-away profiles carry traits"),
            failThreshold("> 0", "fail when this many merged-away profiles carry traits"),
        ]
    )

    public static let externalIDCollisions = CheckDefinition(
        id: "external_id_collisions",
        title: "External ids on two or more live profiles",
        summary: "values of unique identifier types whose segment_ids resolve to 2+ live profiles",
        parameters: [
            CheckParameter(name: "unique_id_types", kind: .strings, defaultValue: .strings(["user_id", "email"]),
                           help: "identifier types that must name one person"),
            warnThreshold("> 0", "warn when this many values sit on 2+ live profiles"),
            failThreshold("never", "fail when this many values sit on 2+ live profiles"),
        ]
    )

    public static let identifierLimits = CheckDefinition(
        id: "identifier_limits",
        title: "Profiles over their identifier limits",
        summary: "(live profile, identifier type) pairs holding more distinct values than the type's limit",
        parameters: [
            CheckParameter(name: "limits", kind: .limits, defaultValue: .limits(["user_id": 1]),
                           help: "distinct values allowed per profile, by identifier type"),
            CheckParameter(name: "default_limit", kind: .integer, defaultValue: .integer(5),
                           help: "the limit of every type not listed in limits"),
            warnThreshold("> 0", "warn when this many (profile, type) pairs are over their limit"),
            failThreshold("never", "fail when this many (profile, type) pairs are over their limit"),
        ]
    )

    public static let blockedValues = CheckDefinition(
        id: "blocked_values",
        title: "Junk identifier values",
        summary: "identifier values that should never identify a person, with the segment_ids and profiles each joins",
        parameters: [
            CheckParameter(name: "extra_values", kind: .strings, defaultValue: .strings(JunkValues.suggestedExtras),
                           help: "more exact values to treat as junk (compared case-insensitively)"),
            CheckParameter(name: "extra_patterns", kind: .strings, defaultValue: .strings([]),
                           help: "more regular expressions to treat as junk"),
            CheckParameter(name: "fail_segment_ids", kind: .integer, defaultValue: .integer(2),
                           help: "fail when one junk value sits on at least this many segment_ids"),
            warnThreshold("> 0", "warn when this many junk values are present"),
        ]
    )

    public static let externalIDHash = CheckDefinition(
        id: "external_id_hash",
        title: "External id hashes that do not match",
        summary: "rows whose external_id_hash is not sha1(external_id_type || external_id_value)",
        parameters: [
            warnThreshold("> 0", "warn when this many rows have a wrong hash"),
            failThreshold("> 0", "fail when this many rows have a wrong hash"),
        ]
    )

    public static let duplicateRows = CheckDefinition(
        id: "duplicate_rows",
        title: "Duplicate raw rows",
        summary: "raw rows beyond the first of each key",
        parameters: [
            warnThreshold("> 0", "warn when this many extra rows exist"),
            failThreshold("never", "fail when this many extra rows exist"),
        ]
    )

    public static let freshness = CheckDefinition(
        id: "freshness",
        title: "Freshness of the raw tables",
        summary: "hours since each raw table last landed, and the spread between them against etl_overlap",
        parameters: [
            warnThreshold("> 24", "warn when the stalest raw table last landed more than this many hours ago"),
            failThreshold("never", "fail when the stalest raw table last landed more than this many hours ago"),
        ]
    )

    public static let materializationDrift = CheckDefinition(
        id: "materialization_drift",
        title: "Materialized tables that drifted from the raw history",
        summary: "keys whose rows differ between the materialized tables and a fresh full rebuild",
        parameters: [
            warnThreshold("> 0", "warn when this many keys differ"),
            failThreshold("> 0", "fail when this many keys differ"),
        ]
    )

    public static let mergeRateAnomaly = CheckDefinition(
        id: "merge_rate_anomaly",
        title: "Days with unusually many merges",
        summary: "days whose merge count is far above the trailing baseline",
        parameters: [
            CheckParameter(name: "window_days", kind: .integer, defaultValue: .integer(14),
                           help: "days before each day that make its baseline (their mean)"),
            CheckParameter(name: "factor", kind: .number, defaultValue: .number(3),
                           help: "a day is anomalous above this many times its baseline"),
            CheckParameter(name: "min_merges", kind: .integer, defaultValue: .integer(50),
                           help: "and with at least this many merges"),
            warnThreshold("> 0", "warn when this many days are anomalous"),
            failThreshold("never", "fail when this many days are anomalous"),
        ]
    )

    static func warnThreshold(_ value: String, _ help: String) -> CheckParameter {
        CheckParameter(name: "warn", kind: .threshold, defaultValue: .threshold(Threshold(parsing: value)!), help: help)
    }

    static func failThreshold(_ value: String, _ help: String) -> CheckParameter {
        CheckParameter(name: "fail", kind: .threshold, defaultValue: .threshold(Threshold(parsing: value)!), help: help)
    }

    /// Every built-in check, in report order (the CI gate first, then by how much harm a
    /// finding does).
    public static let all: [CheckDefinition] = [
        mergeChains, mergeFanIn, mergedProfileTraits, externalIDCollisions, identifierLimits,
        blockedValues, externalIDHash, duplicateRows, freshness, materializationDrift, mergeRateAnomaly,
    ]

    public static var ids: [String] { all.map(\.id) }

    public static func definition(id: String) -> CheckDefinition? {
        all.first(where: { $0.id == id })
    }
}
