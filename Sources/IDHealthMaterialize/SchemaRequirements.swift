import IDHealthSQL

/// What the schemas a run names must be, checked before anything is read or written. A
/// mistyped or forgotten schema is the commonest first-run mistake, so the message says where
/// the tables are instead (docs/semantics.md, "Bad input").
public struct SchemaRequirements {
    public let database: any Database
    public let schemas: Schemas

    public init(database: any Database, schemas: Schemas) {
        self.database = database
        self.schemas = schemas
    }

    /// The source schema exists and holds at least one of the raw tables, whose time and
    /// order columns have types idhealth can compute with.
    public func requireSource() throws {
        let exists = try database.schemaExists(schemas.source)
        if exists {
            try database.useSchema(schemas.source, create: false)
            var found = false
            for table in TableName.rawTables where try database.tableExists(schemas.source(table)) {
                found = true
                try RawTables.requireTypes(database.columnTypes(schemas.source(table)), of: schemas.source(table), dialect: database.dialect)
            }
            if found { return }
        }
        throw InputError("source schema \(schemas.source) \(exists ? "holds none of the raw tables" : "does not exist") (looked for \(TableName.rawTables.joined(separator: ", "))); "
            + (try whereInstead(TableName.idGraphUpdates, setting: "source_schema", option: "--source-schema")))
    }

    /// The source schema exists (a run that creates nothing else may still find tables missing).
    public func requireSourceExists() throws {
        guard try !database.schemaExists(schemas.source) else { return try database.useSchema(schemas.source, create: false) }
        throw InputError("source schema \(schemas.source) does not exist; " + (try whereInstead(TableName.idGraphUpdates, setting: "source_schema", option: "--source-schema")))
    }

    /// The target schema exists: checks read it and never create it.
    public func requireTarget() throws {
        guard try !database.schemaExists(schemas.target) else { return try database.useSchema(schemas.target, create: false) }
        throw InputError("target schema \(schemas.target) does not exist (`idhealth materialize` creates it; `check` never does); "
            + (try whereInstead(TableName.idGraph, setting: "target_schema", option: "--target-schema")))
    }

    /// Where a table is instead, in words for the end of a message.
    public func whereInstead(_ table: String, setting: String, option: String) throws -> String {
        let found = try database.schemas(holding: table)
        guard !found.isEmpty else { return "no schema in \(database.target) holds \(table)" }
        return "schemas here that hold \(table): \(found.joined(separator: ", ")) (set \(setting) in idhealth.yml or pass \(option))"
    }
}
