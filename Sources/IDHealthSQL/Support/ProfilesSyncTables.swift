/// The tables idhealth reads and writes, by their contract names (docs/semantics.md, "The tables").
public enum TableName {
    public static let idGraphUpdates = "id_graph_updates"
    public static let externalIDMappingUpdates = "external_id_mapping_updates"
    public static let profileTraitsUpdates = "profile_traits_updates"

    public static let idGraph = "id_graph"
    public static let externalIDMapping = "external_id_mapping"
    public static let profileTraits = "profile_traits"

    public static let rawTables = [idGraphUpdates, externalIDMappingUpdates, profileTraitsUpdates]
    public static let materializedTables = [idGraph, externalIDMapping, profileTraits]
    /// The column that identifies a row of each current-state table.
    public static let materializedKeys = [idGraph: "segment_id", externalIDMapping: "external_id_hash", profileTraits: "canonical_segment_id"]

    /// One row per materialization: what it read and wrote, its high-water marks (docs/semantics.md).
    public static let runs = "idhealth_runs"
    /// The current pointer of every segment_id (its latest id_graph_updates row), kept so an
    /// incremental run can re-resolve a profile without re-reading the history.
    public static let statePointer = "idhealth_state_pointer"
    /// The latest profile_traits_updates row of every segment_id, for the same reason.
    public static let stateTraits = "idhealth_state_traits"
    /// segment_ids whose raw rows were deleted upstream (GDPR), as materializations noticed,
    /// so `merge_chains` tells a chain ending at a deleted profile from a broken one.
    public static let deletedSegments = "idhealth_deleted_segments"
    /// Built and swapped together with the three tables; incremental runs keep them current.
    public static let stateTables = [statePointer, stateTraits]

    /// Columns of `profile_traits_updates` that are never traits (docs/semantics.md).
    package static let nonTraitColumns: Set<String> = Set([
        "user_id", "anonymous_id", "id", "segment_id", "canonical_segment_id", "merged_to",
        "sent_at", "received_at", "timestamp", "uuid_ts", "seq",
    ]).union(profileTraitsOwnColumns)

    /// The columns `profile_traits` holds besides the traits: a raw column of the same name
    /// cannot be a trait column beside them, so it is left out (and the run says so).
    package static let profileTraitsOwnColumns: Set<String> = ["canonical_segment_id", "merged_to", "etl_ts"]

    /// Whether a column of `profile_traits_updates` (or `profile_traits`) holds a trait, by
    /// the engine's own rule for column names: on PostgreSQL `"SEQ"` and `"Segment_Id"` are
    /// columns of their own, not seq and segment_id, so they are traits like any other; where
    /// names ignore case (SQLite, Redshift, the warehouses) they are those columns.
    package static func isTraitColumn(_ name: String, in dialect: Dialect) -> Bool {
        !nonTraitColumns.contains { dialect.columnName(name, is: $0) }
            && !["context_", "_"].contains { prefix in dialect.columnName(String(name.prefix(prefix.count)), is: prefix) }
    }

    /// Whether a raw trait column is left out because `profile_traits` holds a column of
    /// that name itself (the run names these).
    package static func clashesWithOwnColumn(_ name: String, in dialect: Dialect) -> Bool {
        profileTraitsOwnColumns.contains { dialect.columnName(name, is: $0) }
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

extension Schemas {
    /// A raw table in the source schema.
    public func source(_ table: String) -> QualifiedName { QualifiedName(source, table) }
    /// A current-state or bookkeeping table in the target schema.
    public func target(_ table: String) -> QualifiedName { QualifiedName(target, table) }
}
