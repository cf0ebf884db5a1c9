import IDHealthSQL

/// Names and creates the run's work and staging tables in the target schema.
///
/// Every name carries a prefix (`idhealth_work_` and `idhealth_stage_` for a
/// materialization), so leftovers of a killed run are recognised and dropped by the next one,
/// and a drift check's rebuild (`idhealth_driftwork_`, `idhealth_drift_`) never meets them.
package struct WorkTables {
    /// The connection, for finding and dropping leftovers; nil where the statements are only
    /// written down (`idhealth compile`).
    package let database: (any Database)?
    package let dialect: Dialect
    package let schema: String
    /// A short token that keeps index names unique across runs (index names are schema-wide).
    package let token: String

    package init(database: any Database, schema: String, token: String) {
        self.database = database
        self.dialect = database.dialect
        self.schema = schema
        self.token = token
    }

    /// Names and statements without a connection, for a plan written to files.
    package init(dialect: Dialect, schema: String, token: String) {
        self.database = nil
        self.dialect = dialect
        self.schema = schema
        self.token = token
    }
    package var workPrefix = WorkTables.workPrefix
    package var stagePrefix = WorkTables.stagePrefix
    /// Where work tables go when not beside the staging tables: an incremental run keeps them
    /// in the connection's temporary schema, which the engine neither logs nor keeps.
    package var workSchema: String?

    package static let workPrefix = "idhealth_work_"
    package static let stagePrefix = "idhealth_stage_"
    /// Every work table any materialization creates, so a killed run's leftovers are found.
    package static let workNames = [
        "pointer", "jump", "walk", "cycle", "resolved", "traits_owned", "traits_values", "hwm", "settled", "settled_rows", "since", "compare_from", "gone_segments",
        "new_pointer", "vanished_pointer", "pointer_delta", "touched", "affected_canonical", "affected",
        "sub_pointer", "new_mapping", "vanished_mapping", "touched_hash", "mapping_delta", "mapping_moves",
        "new_traits", "reread_traits", "traits_delta", "profile_keys", "profile_delta",
        "sample_ids", "sample_profiles", "sample_members", "sample_hashes", "sample_mapping_rows", "sample_closure",
        "sample_pointer", "sample_graph", "sample_snapshots",
    ]
    /// Everything a full rebuild stages and swaps in.
    package static let stagedTables = TableName.materializedTables + TableName.stateTables

    package func name(_ base: String) -> QualifiedName {
        QualifiedName(workSchema ?? schema, workPrefix + base)
    }

    package func stageName(_ table: String) -> QualifiedName {
        QualifiedName(schema, stagePrefix + table)
    }

    package func index(_ base: String, columns: [String], unique: Bool = false, suffix: String = "key") -> SQL? {
        dialect.createIndex("idhealth_\(token)_\(base)_\(suffix)", on: name(base), columns: columns, unique: unique)
    }

    package func stageIndex(_ table: String, columns: [String], unique: Bool, suffix: String = "key") -> SQL? {
        dialect.createIndex(stageIndexName(table, suffix: suffix), on: stageName(table), columns: columns, unique: unique)
    }

    /// The name of a staged table's index; it keeps the name when the table is swapped in.
    package func stageIndexName(_ table: String, suffix: String = "key") -> String {
        "idhealth_\(token)_\(table)_\(suffix)"
    }

    /// Drops every work table, and the staging tables when `includingStage` is set. Asks the
    /// catalog which exist first: one query instead of a statement per possible name.
    package func dropAll(includingStage: Bool) throws {
        guard let database else { return }
        let d = dialect
        let workSchema = self.workSchema ?? schema
        if workSchema == d.temporarySchema, !d.catalogListsTemporaryTables {
            // Snowflake's temporary tables live in the session's current schema, which the
            // catalog query cannot name: each possible one is dropped if it exists.
            for base in Self.workNames { try database.execute(d.dropTable(name(base))) }
            return try dropStage(includingStage)
        }
        // Every table of the prefix, not only the known names: a rebuilt table's next
        // version (``Dialect/replaceTable(_:asQuery:)``'s `_idh_next`) is one too.
        for table in try tables(in: workSchema, prefix: workPrefix) {
            try database.execute(d.dropTable(QualifiedName(workSchema, table)))
        }
        try dropStage(includingStage)
    }

    private func dropStage(_ includingStage: Bool) throws {
        guard includingStage, let database else { return }
        let d = dialect
        let existingStage = Set(try tables(in: schema, prefix: stagePrefix))
        for table in Self.stagedTables where existingStage.contains(stagePrefix + table) {
            try database.execute(d.dropTable(stageName(table)))
        }
    }

    /// The tables in a schema whose names start with `prefix`.
    package func tables(in schema: String, prefix: String) throws -> [String] {
        guard let database else { return [] }
        return try database.tableNames(in: schema, prefix: prefix)
    }

    /// `DROP TABLE IF EXISTS` for every work table (and staging table with `includingStage`)
    /// a run may leave: what a plan runs first and last, where nobody can ask the catalog.
    package func dropStatements(includingStage: Bool) -> [SQL] {
        Self.workNames.map { dialect.dropTable(name($0)) } + (includingStage ? Self.stagedTables.map { dialect.dropTable(stageName($0)) } : [])
    }
}
