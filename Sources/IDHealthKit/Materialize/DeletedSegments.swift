/// `idhealth_deleted_segments` in the target schema: the segment_ids whose raw rows
/// disappeared upstream (Segment's GDPR deletions), with when and by which run this was seen.
///
/// A chain that ends at a deleted profile is the expected result of a deletion, not a broken
/// graph; `merge_chains` reads this table to report it as `deleted_target` instead of
/// corruption. A segment_id that gets raw rows again leaves the table.
struct DeletedSegments {
    let database: any Database
    let schema: String

    var table: String { database.dialect.qualified(schema, TableName.deletedSegments) }

    /// Records `gone` (a query of segment_ids) as deleted and forgets those `back` (a query of
    /// segment_ids with raw rows again), inside the caller's transaction.
    func record(gone: String, back: String, at time: String, runID: String) throws {
        let d = database.dialect
        try database.execute("CREATE TABLE IF NOT EXISTS \(table) (segment_id \(d.textType) NOT NULL, deleted_at \(d.timestampType), run_id \(d.textType))")
        try database.execute("""
            INSERT INTO \(table) (segment_id, deleted_at, run_id)
            SELECT g.segment_id, \(time), \(d.placeholder(1)) FROM (\(gone)) g
            WHERE NOT EXISTS (SELECT 1 FROM \(table) x WHERE x.segment_id = g.segment_id)
            """, [.text(runID)])
        try database.execute("DELETE FROM \(table) AS x WHERE EXISTS (SELECT 1 FROM (\(back)) b WHERE b.segment_id = x.segment_id)")
    }
}
