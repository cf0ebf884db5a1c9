/// The tables idhealth reads and writes, by their contract names (DESIGN.md §1, §3, §6).
public enum TableName {
    public static let idGraphUpdates = "id_graph_updates"
    public static let externalIDMappingUpdates = "external_id_mapping_updates"
    public static let profileTraitsUpdates = "profile_traits_updates"

    public static let idGraph = "id_graph"
    public static let externalIDMapping = "external_id_mapping"
    public static let profileTraits = "profile_traits"

    public static let rawTables = [idGraphUpdates, externalIDMappingUpdates, profileTraitsUpdates]
    public static let materializedTables = [idGraph, externalIDMapping, profileTraits]

    /// Columns of `profile_traits_updates` that are never traits (DESIGN.md §3).
    static let nonTraitColumns: Set<String> = [
        "user_id", "anonymous_id", "id", "segment_id", "canonical_segment_id", "merged_to",
        "sent_at", "received_at", "timestamp", "uuid_ts", "seq",
    ]

    /// Whether a column of `profile_traits_updates` holds a trait.
    static func isTraitColumn(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return !nonTraitColumns.contains(lowered) && !lowered.hasPrefix("context_") && !lowered.hasPrefix("_")
    }
}

/// The schemas a command works in: raw tables are read from `source`, current-state tables and
/// bookkeeping are written to `target`.
public struct Schemas: Sendable, Hashable {
    public let source: String
    public let target: String

    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}
