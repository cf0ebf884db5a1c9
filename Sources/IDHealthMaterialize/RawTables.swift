import IDHealthSQL

/// A trait column of `profile_traits_updates`, with the type its catalog declares (read, never
/// pasted into SQL: see ``Dialect/portableType(ofDeclared:)``).
package struct TraitColumn: Sendable, Equatable {
    package let name: String
    package let declaredType: String

    package init(name: String, declaredType: String) {
        self.name = name
        self.declaredType = declaredType
    }

    /// The trait columns among the catalog columns of `profile_traits_updates`, in table order.
    package static func of(_ columns: [(name: String, type: String)], dialect: Dialect) -> [TraitColumn] {
        columns.filter { TableName.isTraitColumn($0.name, in: dialect) }.map { TraitColumn(name: $0.name, declaredType: $0.type) }
    }
}

/// Checks that the raw Profiles Sync tables are there and usable before anything is written.
///
/// Every problem found here is an ``InputError`` naming the table and column, raised before
/// the first staging table is created, so bad input never leaves half a materialization.
public struct RawTables {
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

    /// The raw columns idhealth computes with, by what it does with them.
    static let typedColumns: [(column: String, role: Dialect.ColumnRole)] = [("timestamp", .time), ("uuid_ts", .time), ("seq", .order)]

    /// Refuses a raw column whose declared type cannot do what idhealth does with it (a text
    /// `uuid_ts` from a CSV load), naming the table, the column, its type and the type wanted.
    static func requireTypes(_ typed: [(name: String, type: String)], of name: QualifiedName, dialect d: Dialect) throws {
        for (column, role) in typedColumns {
            guard let declared = typed.first(where: { d.columnName($0.name, is: column) }),
                  d.accepts(declaredType: declared.type, as: role) == false else { continue }
            let use = role == .time ? "as a time (hours since, days before)" : "to order rows (the latest seq wins)"
            let fix: SQL = "ALTER TABLE \(table: name) ALTER COLUMN \(ident: declared.name) TYPE \(type: role.type) USING \(sql: .cast("\(ident: declared.name)", as: role.type))"
            throw InputError("table \(name): column \(declared.name) is \(declared.type), but idhealth uses it \(use) and needs \(role.expected); "
                + "convert it, for example with `\(d.render(fix).text)`. Nothing was changed.")
        }
    }

    /// Refuses a raw table without a column idhealth needs, or with one of a type it cannot
    /// compute with, naming the table and the column (a column only its case tells apart, too).
    static func requireColumns(_ typed: [(name: String, type: String)], of name: QualifiedName, table: String, dialect d: Dialect) throws {
        try requirePresent(requiredColumns[table] ?? [], in: typed.map(\.name), of: name, dialect: d)
        try requireTypes(typed, of: name, dialect: d)
    }

    /// Refuses a table that lacks one of `wanted`, naming it, its columns, and a column only
    /// its case tells apart (on an engine where case matters). `why` ends the message.
    static func requirePresent(_ wanted: [String], in columns: [String], of name: QualifiedName, dialect d: Dialect, why: String = "") throws {
        for column in wanted where !columns.contains(where: { d.columnName($0, is: column) }) {
            let near = columns.filter { $0.lowercased() == column }
            let hint = near.isEmpty ? "" : "; \(d.engine.displayName) column names are case-sensitive, and \(near.map { "\"\($0)\"" }.joined(separator: ", ")) is not \(column)"
            throw InputError("table \(name) has no column \(column) (it has: \(columns.joined(separator: ", ")))\(hint)\(why)")
        }
    }

    /// What `check` asks of the raw tables before any check runs: every one that is there has
    /// the columns that key and order its rows (``keyColumns``: without them no check can place
    /// a row in the graph), as a materialization would; a renamed `seq` is exit 2 naming it, not
    /// a run of errors. A missing table, or another missing column (`uuid_ts`, which only
    /// `freshness` needs), stays each check's to skip.
    public static func requireKeys(database: any Database, schema: String) throws {
        for table in TableName.rawTables {
            let name = QualifiedName(schema, table)
            // A table that cannot even be looked at (a SQLite schema file not attached) is as
            // good as missing here: each check says so in its own words.
            guard let columns = try? database.columnTypes(name).map(\.name), !columns.isEmpty else { continue }
            try requirePresent(keyColumns[table] ?? [], in: columns, of: name, dialect: database.dialect,
                               why: "; every check keys or orders its rows by it")
        }
    }

    /// The condition that selects the rows an incremental run reads: landed after `cutoff`
    /// (the previous high-water mark minus `etl_overlap`), or of unknown landing time. The
    /// cutoff is bound, not a subquery, so the planner sees how few rows that is and uses the
    /// `uuid_ts` index.
    static func newRows(_ alias: SQL, cutoff: SQLValue) -> SQL {
        newRows(alias, after: boundTime(cutoff))
    }

    /// A time read back from a table, bound again as a time: a driver that binds text as
    /// text (ADBC's) would otherwise compare a timestamp with text.
    static func boundTime(_ value: SQLValue) -> SQL {
        .cast(.bind(value), as: .timestamp)
    }

    /// The same, with the cutoff as SQL: a plan written to files reads it from a work table.
    static func newRows(_ alias: SQL, after cutoff: SQL) -> SQL {
        "(\(sql: alias).uuid_ts > \(sql: cutoff) OR \(sql: alias).uuid_ts IS NULL)"
    }

    /// The columns of `profile_traits_updates` named like a column `profile_traits` holds
    /// itself (`etl_ts`, …): left out of the traits, and named in the run's output.
    func columnsNotTraits() throws -> [String] {
        try database.columns(QualifiedName(schema, TableName.profileTraitsUpdates))
            .filter { TableName.clashesWithOwnColumn($0, in: database.dialect) }
    }

    /// Validates all three tables; returns the trait columns of `profile_traits_updates`.
    /// With `cutoffs` (per raw table), only the rows an incremental run reads are checked for
    /// NULL keys.
    func validate(cutoffs: [String: SQLValue]? = nil) throws -> [TraitColumn] {
        var traitColumns: [TraitColumn] = []
        for table in TableName.rawTables {
            let name = QualifiedName(schema, table)
            let typed = try database.columnTypes(name)
            let columns = typed.map(\.name)
            if columns.isEmpty {
                let elsewhere = try database.schemas(holding: table)
                let instead = elsewhere.isEmpty
                    ? "(run `idhealth generate` for demo data)"
                    : "; schemas here that hold \(table): \(elsewhere.joined(separator: ", ")) (set source_schema in idhealth.yml or pass --source-schema)"
                throw InputError("table \(name) not found: idhealth reads the Profiles Sync raw tables \(TableName.rawTables.joined(separator: ", ")) from the source schema \(instead)")
            }
            let d = database.dialect
            try Self.requireColumns(typed, of: name, table: table, dialect: d)
            // One scan: NULL keys, and keys too long for the engine to index.
            let keys = Self.keyColumns[table] ?? []
            let textKeys = keys.filter { $0 != "seq" }
            var measures = keys.map { key -> SQL in "SUM(CASE WHEN u.\(ident: key) IS NULL THEN 1 ELSE 0 END)" }
            if d.maximumKeyBytes != nil {
                measures += textKeys.map { key -> SQL in "MAX(\(sql: .byteLength("u.\(ident: key)")))" }
            }
            var query: SQL = "SELECT \(sql: measures.joined(separator: ", ")) FROM \(table: name) u"
            if d.maximumKeyBytes == nil {
                query += " WHERE (\(sql: keys.map { key -> SQL in "u.\(ident: key) IS NULL" }.joined(separator: " OR ")))"
                if let cutoffs { query += " AND " + Self.newRows("u", cutoff: cutoffs[table] ?? .null) }
            } else if let cutoffs {
                query += " WHERE " + Self.newRows("u", cutoff: cutoffs[table] ?? .null)
            }
            let counts = try database.firstRow(query)
            for (index, column) in keys.enumerated() {
                let nulls = counts?[index].intValue ?? 0
                if nulls > 0 {
                    throw InputError("table \(name): \(nulls) row(s) have NULL in key column \(column); these rows cannot be placed in the graph")
                }
            }
            if let limit = d.maximumKeyBytes {
                for (index, column) in textKeys.enumerated() {
                    let longest = counts?[keys.count + index].intValue ?? 0
                    if longest > Int64(limit) {
                        throw InputError("table \(name): a value of key column \(column) is \(longest) bytes long; \(d.engine.displayName) cannot index keys over about \(limit) bytes, and no real \(column) is that long. Nothing was changed.")
                    }
                }
            }
            if table == TableName.profileTraitsUpdates {
                traitColumns = TraitColumn.of(typed, dialect: d)
            }
        }
        let graphRows = try database.firstRow("SELECT 1 FROM \(table: QualifiedName(schema, TableName.idGraphUpdates)) LIMIT 1")
        if graphRows == nil {
            throw InputError("table \(schema).\(TableName.idGraphUpdates) is empty: there is no identity graph to materialize")
        }
        return traitColumns
    }
}
