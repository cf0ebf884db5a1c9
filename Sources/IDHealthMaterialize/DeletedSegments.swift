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
        for statement in Self.statements(schema: schema, dialect: database.dialect, gone: gone, back: back, at: time, runID: .bind(.text(runID))) {
            try database.execute(statement)
        }
    }

    /// The statements of ``record(gone:back:at:runID:)``, with the run's id as SQL (a plan
    /// written to files knows it only as an expression).
    static func statements(schema: String, dialect d: Dialect, gone: SQL, back: SQL, at time: SQL, runID: SQL) -> [SQL] {
        let table = QualifiedName(schema, TableName.deletedSegments)
        // Looked up by segment_id on every run: without the index, recording a mass deletion
        // compares every new row with every recorded one.
        let index = d.createIndex(TableName.deletedSegments + "_segment_id", on: table, columns: ["segment_id"], ifNotExists: true)
        return [d.createTable(table, columns: columns, ifNotExists: true)] + [index].compactMap { $0 } + [
            """
            INSERT INTO \(table: table) (segment_id, deleted_at, run_id)
            SELECT g.segment_id, \(sql: time), \(sql: runID) FROM (\(sql: gone)) g
            WHERE NOT EXISTS (SELECT 1 FROM \(table: table) x WHERE x.segment_id = g.segment_id)
            """,
        ] + d.deleteRows(from: table, alias: "x", where: "EXISTS (SELECT 1 FROM (\(sql: back)) b WHERE b.segment_id = x.segment_id)")
    }
}
