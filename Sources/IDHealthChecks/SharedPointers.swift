import IDHealthSQL
import IDHealthMaterialize

/// Every segment_id's current pointer, ranked from `id_graph_updates` once per check run into
/// a temporary table, for every check that reads them (`{{fn.current_pointers()}}`).
///
/// `merge_chains` (twice), `merged_profile_traits` and the drift check's sample each ranked
/// every raw pointer row on their own; one ranking serves them all. The table is the one rule
/// materializations use (``LatestRows/currentPointers()``), so a check still judges the raw
/// history as it is now, never the stored tables. Each report that used it lists the statement
/// that built it first among its queries, so the SQL stays reproducible; it lives in the
/// connection's temporary schema and goes with the run.
struct SharedPointers {
    let table: QualifiedName
    /// The statement that built the table, as a report shows it.
    let creation: ExecutedQuery

    /// One fixed name: temporary tables are private to their connection, so no other run
    /// meets it, and the SQL a report shows stays the same from run to run.
    static let name = "idhealth_current_pointers"

    /// Builds the table; nil where the database refuses temporary tables (a read-only user):
    /// the checks then rank the raw rows themselves.
    static func create(_ context: CheckContext) throws -> SharedPointers? {
        let database = context.database
        let table = QualifiedName(database.dialect.temporarySchema, name)
        let sql: SQL = "CREATE TABLE \(table: table) AS\n\(sql: LatestRows(schemas: context.schemas).currentPointers())"
        do {
            try database.execute(database.dialect.dropTable(table))
            try database.execute(sql)
        } catch let error as DatabaseError where error.isPermissionDenied {
            return nil
        }
        try database.execute(database.dialect.createIndex(table.name + "_key", on: table, columns: ["segment_id"], unique: true))
        let rendered = database.dialect.render(sql)
        return SharedPointers(table: table, creation: ExecutedQuery(name: "current_pointers (computed once for this run's checks)", sql: rendered.text, parameters: [:]))
    }

    func drop(_ database: any Database) {
        _ = try? database.execute(database.dialect.dropTable(table))
    }
}
