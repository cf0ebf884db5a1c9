import IDHealthSQL

/// The numbers every report carries even when all checks pass (docs/checks.md).
public struct GraphStatistics: Sendable, Hashable {
    public var segmentIDs: Int64
    public var profiles: Int64
    public var mergedAway: Int64
    public var singletons: Int64
    /// Segment_ids per live profile: p50, p90, p99, max.
    public var segmentIDsPerProfile: [String: Int64]
    /// Current external ids by type.
    public var externalIDsByType: [String: Int64]

    public var externalIDs: Int64 { externalIDsByType.values.reduce(0, +) }

    /// Reads the statistics from the materialized tables; nil when they do not exist yet.
    static func read(_ context: CheckContext) throws -> GraphStatistics? {
        let file = try context.builtin("graph_stats")
        let graph = try context.render("graph", of: file, id: "graph_stats")
        let external = try context.render("external_ids", of: file, id: "graph_stats")
        guard try context.missingTables(graph).isEmpty, try context.missingTables(external).isEmpty else { return nil }
        guard let row = try context.database.firstRow(graph.sql) else { return nil }
        var byType: [String: Int64] = [:]
        for typeRow in try context.database.rows(external.sql) {
            byType[typeRow["external_id_type"].stringValue ?? "(null)"] = typeRow["external_ids"].intValue ?? 0
        }
        var perProfile: [String: Int64] = [:]
        for key in ["p50", "p90", "p99", "max"] { perProfile[key] = row[key].intValue ?? 0 }
        return GraphStatistics(
            segmentIDs: row["segment_ids"].intValue ?? 0,
            profiles: row["profiles"].intValue ?? 0,
            mergedAway: row["merged_away"].intValue ?? 0,
            singletons: row["singletons"].intValue ?? 0,
            segmentIDsPerProfile: perProfile,
            externalIDsByType: byType
        )
    }
}
