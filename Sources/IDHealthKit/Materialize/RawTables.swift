/// Checks that the raw Profiles Sync tables are there and usable before anything is written.
///
/// Every problem found here is an ``InputError`` naming the table and column, raised before
/// the first staging table is created, so bad input never leaves half a materialization.
struct RawTables {
    let database: any Database
    let schema: String

    /// The columns materialization needs from each raw table.
    static let requiredColumns: [String: [String]] = [
        TableName.idGraphUpdates: ["segment_id", "canonical_segment_id", "timestamp", "uuid_ts", "seq"],
        TableName.externalIDMappingUpdates: ["segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"],
        TableName.profileTraitsUpdates: ["segment_id", "timestamp", "uuid_ts", "seq"],
    ]

    /// Columns that must never be NULL, because rows are keyed or ordered by them.
    static let keyColumns: [String: [String]] = [
        TableName.idGraphUpdates: ["segment_id", "canonical_segment_id", "seq"],
        TableName.externalIDMappingUpdates: ["segment_id", "external_id_hash", "seq"],
        TableName.profileTraitsUpdates: ["segment_id", "seq"],
    ]

    /// Validates all three tables; returns the trait columns of `profile_traits_updates`.
    func validate() throws -> [String] {
        var traitColumns: [String] = []
        for table in TableName.rawTables {
            let columns = try database.columns(schema: schema, table: table)
            if columns.isEmpty {
                throw InputError("table \(schema).\(table) not found: idhealth reads the Profiles Sync raw tables \(TableName.rawTables.joined(separator: ", ")) from the source schema (set --source-schema, or run `idhealth generate` for demo data)")
            }
            let lowered = Set(columns.map { $0.lowercased() })
            for column in Self.requiredColumns[table] ?? [] where !lowered.contains(column) {
                throw InputError("table \(schema).\(table) has no column \(column) (it has: \(columns.joined(separator: ", ")))")
            }
            let quoted = database.dialect.qualified(schema, table)
            for column in Self.keyColumns[table] ?? [] {
                let nulls = try database.scalar("SELECT COUNT(*) FROM \(quoted) WHERE \(database.dialect.quote(column)) IS NULL").intValue ?? 0
                if nulls > 0 {
                    throw InputError("table \(schema).\(table): \(nulls) row(s) have NULL in key column \(column); these rows cannot be placed in the graph")
                }
            }
            if table == TableName.profileTraitsUpdates {
                traitColumns = columns.filter(TableName.isTraitColumn)
            }
        }
        let graphRows = try database.scalar("SELECT COUNT(*) FROM \(database.dialect.qualified(schema, TableName.idGraphUpdates))").intValue ?? 0
        if graphRows == 0 {
            throw InputError("table \(schema).\(TableName.idGraphUpdates) is empty: there is no identity graph to materialize")
        }
        return traitColumns
    }
}
