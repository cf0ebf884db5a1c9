import IDHealthSQL

/// `idhealth_deleted_segments` in the target schema: the segment_ids whose raw rows
/// disappeared upstream (Segment's GDPR deletions), with when and by which run this was seen.
///
/// A chain that ends at a deleted profile is the expected result of a deletion, not a broken
/// graph; `merge_chains` reads this table to report it as `deleted_target` instead of
/// corruption. A segment_id that gets raw rows again leaves the table.
struct DeletedSegments {
    let database: any Database
    let schema: String

    var table: QualifiedName { QualifiedName(schema, TableName.deletedSegments) }

    static let columns = [
        ColumnDefinition("segment_id", .text, notNull: true), ColumnDefinition("deleted_at", .timestamp), ColumnDefinition("run_id", .text),
    ]

    /// Records `gone` (a query of segment_ids) as deleted and forgets those `back` (a query of
    /// segment_ids with raw rows again), inside the caller's transaction.
    func record(gone: SQL, back: SQL, at time: SQL, runID: String) throws {
        let d = database.dialect
        try database.execute(d.createTable(table, columns: Self.columns, ifNotExists: true))
        // Looked up by segment_id on every run: without the index, recording a mass deletion
        // compares every new row with every recorded one.
        try database.execute(d.createIndex(TableName.deletedSegments + "_segment_id", on: table, columns: ["segment_id"], ifNotExists: true))
        try database.execute("""
            INSERT INTO \(table: table) (segment_id, deleted_at, run_id)
            SELECT g.segment_id, \(sql: time), \(bind: .text(runID)) FROM (\(sql: gone)) g
            WHERE NOT EXISTS (SELECT 1 FROM \(table: table) x WHERE x.segment_id = g.segment_id)
            """)
        try database.execute("DELETE FROM \(table: table) AS x WHERE EXISTS (SELECT 1 FROM (\(sql: back)) b WHERE b.segment_id = x.segment_id)")
    }
}
