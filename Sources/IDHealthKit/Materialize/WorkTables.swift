/// Names and creates the run's work and staging tables in the target schema.
///
/// Every name carries a prefix (`idhealth_work_` and `idhealth_stage_` for a
/// materialization), so leftovers of a killed run are recognised and dropped by the next one,
/// and a drift check's rebuild (`idhealth_driftwork_`, `idhealth_drift_`) never meets them.
struct WorkTables {
    let database: any Database
    let schema: String
    /// A short token that keeps index names unique across runs (index names are schema-wide).
    let token: String
    var workPrefix = WorkTables.workPrefix
    var stagePrefix = WorkTables.stagePrefix
    /// Where work tables go when not beside the staging tables: an incremental run keeps them
    /// in the connection's temporary schema, which the engine neither logs nor keeps.
    var workSchema: String?

    static let workPrefix = "idhealth_work_"
    static let stagePrefix = "idhealth_stage_"
    /// Every work table any materialization creates, so a killed run's leftovers are found.
    static let workNames = [
        "pointer", "jump", "walk", "cycle", "resolved", "traits_owned", "traits_values", "hwm", "settled", "settled_rows", "since", "gone_segments",
        "new_pointer", "vanished_pointer", "pointer_delta", "touched", "affected_canonical", "affected",
        "sub_pointer", "new_mapping", "vanished_mapping", "touched_hash", "mapping_delta", "mapping_moves",
        "new_traits", "reread_traits", "traits_delta", "profile_keys", "profile_delta",
    ]
    /// Everything a full rebuild stages and swaps in.
    static let stagedTables = TableName.materializedTables + TableName.stateTables

    func name(_ base: String) -> QualifiedName {
        QualifiedName(workSchema ?? schema, workPrefix + base)
    }

    func stageName(_ table: String) -> QualifiedName {
        QualifiedName(schema, stagePrefix + table)
    }

    func index(_ base: String, columns: [String], unique: Bool = false, suffix: String = "key") -> SQL {
        database.dialect.createIndex("idhealth_\(token)_\(base)_\(suffix)", on: name(base), columns: columns, unique: unique)
    }

    func stageIndex(_ table: String, columns: [String], unique: Bool, suffix: String = "key") -> SQL {
        database.dialect.createIndex("idhealth_\(token)_\(table)_\(suffix)", on: stageName(table), columns: columns, unique: unique)
    }

    /// Drops every work table, and the staging tables when `includingStage` is set. Asks the
    /// catalog which exist first: one query instead of a statement per possible name.
    func dropAll(includingStage: Bool) throws {
        let d = database.dialect
        let workSchema = self.workSchema ?? schema
        let existingWork = Set(try tables(in: workSchema, prefix: workPrefix))
        for base in Self.workNames where existingWork.contains(workPrefix + base) {
            try database.execute(d.dropTable(name(base)))
        }
        guard includingStage else { return }
        let existingStage = Set(try tables(in: schema, prefix: stagePrefix))
        for table in Self.stagedTables where existingStage.contains(stagePrefix + table) {
            try database.execute(d.dropTable(stageName(table)))
        }
    }

    /// The tables in a schema whose names start with `prefix`.
    func tables(in schema: String, prefix: String) throws -> [String] {
        try database.rows(database.dialect.tablesQuery(schema: schema, prefix: prefix)).compactMap { $0[0].stringValue }
    }
}
