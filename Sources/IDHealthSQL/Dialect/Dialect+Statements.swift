/// The statements whose form, not just spelling, differs between engines: indexes,
/// transactions, planner settings, schema changes and catalog lookups.
extension Dialect {
    /// Starts a transaction that takes the write lock at once, so two writers never interleave.
    public var beginWriteTransaction: SQL {
        switch engine {
        case .sqlite: return "BEGIN IMMEDIATE"
        case .postgres, .redshift, .snowflake: return "BEGIN"
        case .bigquery, .databricks: return "BEGIN TRANSACTION"
        }
    }

    /// `CREATE TABLE name (columns…)`, optionally only when it does not exist yet.
    public func createTable(_ name: QualifiedName, columns: [ColumnDefinition], ifNotExists: Bool = false) -> SQL {
        "CREATE TABLE \(unsafeRaw: ifNotExists ? "IF NOT EXISTS " : "")\(table: name) (\(sql: columns.map(\.sql).joined(separator: ", ")))"
    }

    /// Creates an index; nil on an engine without indexes (``hasIndexes``). SQLite names the
    /// schema on the index, PostgreSQL on the table.
    public func createIndex(_ name: String, on table: QualifiedName, columns: [String], unique: Bool = false, ifNotExists: Bool = false) -> SQL? {
        guard hasIndexes else { return nil }
        let columnList = columns.map(SQL.identifier).joined(separator: ", ")
        let kind: SQL = (unique ? "UNIQUE INDEX" : "INDEX") + (ifNotExists ? " IF NOT EXISTS" : "")
        switch engine {
        case .sqlite:
            return "CREATE \(sql: kind) \(table: QualifiedName(table.schema, name)) ON \(ident: table.name) (\(sql: columnList))"
        case .postgres, .redshift, .snowflake, .bigquery, .databricks:
            return "CREATE \(sql: kind) \(ident: name) ON \(table: table) (\(sql: columnList))"
        }
    }

    /// Sets columns of the rows of `table` whose `key` the small table `source` holds: each
    /// of `fromSource` to its column of the source's row, each of `constants` to its value.
    /// A correlated subquery in `SET` where the engine's incremental runs are tested with it
    /// (SQLite, PostgreSQL, Redshift); a join elsewhere, where a correlated subquery in `SET`
    /// is not taken (Delta Lake) or not promised: `UPDATE … FROM` on Snowflake, `MERGE` on
    /// BigQuery and Databricks (Delta Lake has no `UPDATE … FROM`).
    public func updateFrom(_ table: QualifiedName, key: String, source: QualifiedName,
                           fromSource: [(column: String, sourceColumn: String)], constants: [(column: String, value: SQL)]) -> SQL {
        switch engine {
        case .sqlite, .postgres, .redshift:
            let set = fromSource.map { "\(ident: $0.column) = (SELECT v.\(ident: $0.sourceColumn) FROM \(table: source) v WHERE v.\(ident: key) = m.\(ident: key))" as SQL }
                + constants.map { "\(ident: $0.column) = \(sql: $0.value)" as SQL }
            return "UPDATE \(table: table) AS m SET \(sql: set.joined(separator: ", ")) WHERE m.\(ident: key) IN (SELECT v.\(ident: key) FROM \(table: source) v)"
        case .snowflake:
            let set = fromSource.map { "\(ident: $0.column) = v.\(ident: $0.sourceColumn)" as SQL } + constants.map { "\(ident: $0.column) = \(sql: $0.value)" as SQL }
            return "UPDATE \(table: table) AS m SET \(sql: set.joined(separator: ", ")) FROM \(table: source) AS v WHERE m.\(ident: key) = v.\(ident: key)"
        case .bigquery, .databricks:
            let set = fromSource.map { "\(ident: $0.column) = v.\(ident: $0.sourceColumn)" as SQL } + constants.map { "\(ident: $0.column) = \(sql: $0.value)" as SQL }
            return "MERGE INTO \(table: table) AS m USING \(table: source) AS v ON m.\(ident: key) = v.\(ident: key) WHEN MATCHED THEN UPDATE SET \(sql: set.joined(separator: ", "))"
        }
    }

    /// Statements that start an incremental run's transaction (scoped to it). Its joins pair
    /// a work table of thousands of rows with tables of millions: PostgreSQL's planner
    /// tends to hash the large side (a full scan) where index probes cost a fraction, and
    /// JIT-compiles each statement for longer than it runs. SQLite needs nothing.
    public var settingsForSmallUpdates: [SQL] {
        switch engine {
        case .sqlite, .redshift, .snowflake, .bigquery, .databricks: return []
        case .postgres: return ["SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off", "SET LOCAL jit = off"]
        }
    }

    /// Gathers a freshly built table's statistics, where the planner needs them at once.
    /// PostgreSQL plans a new table from guesses until autovacuum gets to it (a join of a
    /// small work table with a large table could then scan the large one); SQLite's planner
    /// does well without, and its ANALYZE reads whole indexes, so it is left out there.
    public func analyzeNewTable(_ table: QualifiedName) -> SQL? {
        switch engine {
        // Snowflake, BigQuery and Delta Lake keep their statistics themselves.
        case .sqlite, .snowflake, .bigquery, .databricks: return nil
        case .postgres, .redshift: return "ANALYZE \(table: table)"
        }
    }

    /// Gathers a small work table's statistics, so the planner knows it is small (SQLite and
    /// PostgreSQL then probe large tables' indexes from it; Redshift distributes by them); nil
    /// on Snowflake, BigQuery and Databricks, which keep statistics themselves and have no
    /// `ANALYZE t`.
    public func analyzeWorkTable(_ table: QualifiedName) -> SQL? {
        switch engine {
        case .sqlite, .postgres, .redshift: return "ANALYZE \(table: table)"
        case .snowflake, .bigquery, .databricks: return nil
        }
    }

    /// Drops an index of `schema` if it exists; nil on an engine without indexes.
    public func dropIndex(_ name: String, schema: String) -> SQL? {
        hasIndexes ? "DROP INDEX IF EXISTS \(table: QualifiedName(schema, name))" : nil
    }

    /// Creates a schema unless it exists; nil on SQLite, whose schemas are attached files.
    public func createSchemaIfMissing(_ schema: String) -> SQL? {
        engine == .sqlite ? nil : "CREATE SCHEMA IF NOT EXISTS \(ident: schema)"
    }

    /// Adds a column at the end of a table.
    public func addColumn(_ column: ColumnDefinition, to table: QualifiedName) -> SQL {
        "ALTER TABLE \(table: table) ADD COLUMN \(sql: column.sql)"
    }

    /// Drops a table or a view, whichever `kind` (from ``relationKindQuery(_:)``) says it is.
    public func dropRelation(_ name: QualifiedName, kind: RelationKind) -> SQL {
        switch kind {
        case .view: return "DROP VIEW IF EXISTS \(table: name)"
        case .table: return "DROP TABLE IF EXISTS \(table: name)"
        }
    }

    public func dropTable(_ name: QualifiedName) -> SQL {
        "DROP TABLE IF EXISTS \(table: name)"
    }

    /// Renames a table within its schema. Snowflake moves a table renamed to a bare name into
    /// the session's current schema, so there (and on Databricks) the new name is qualified.
    public func renameTable(_ table: QualifiedName, to name: String) -> SQL {
        engine == .snowflake || engine == .databricks
            ? "ALTER TABLE \(table: table) RENAME TO \(table: QualifiedName(table.schema, name))"
            : "ALTER TABLE \(table: table) RENAME TO \(ident: name)"
    }

    /// Puts `staged` in the place of `current` (which may not exist yet), inside the caller's
    /// transaction: drop and rename where DDL is transactional; on Snowflake, whose DDL
    /// commits on its own, an atomic `SWAP WITH` (after an empty copy of the staged table's
    /// columns stands in for a first run's missing table), then the old table is dropped; on
    /// BigQuery and Databricks an atomic `CREATE OR REPLACE TABLE … AS SELECT` (readers see
    /// the old table or the new one; Delta Lake keeps the old one in its history), then the
    /// staged table is dropped. BigQuery's `… COPY` would bill no bytes where this scans the
    /// new table once, but its local stand-in has no `COPY`: the statement idhealth runs
    /// there is the one proven (docs/warehouses.md).
    public func replaceTable(_ current: QualifiedName, with staged: QualifiedName) -> [SQL] {
        switch engine {
        case .sqlite, .postgres, .redshift:
            return [dropTable(current), renameTable(staged, to: current.name)]
        case .snowflake:
            return [
                "CREATE TABLE IF NOT EXISTS \(table: current) LIKE \(table: staged)",
                "ALTER TABLE \(table: staged) SWAP WITH \(table: current)",
                dropTable(staged),
            ]
        case .bigquery:
            return ["CREATE OR REPLACE TABLE \(table: current) AS SELECT * FROM \(table: staged)", dropTable(staged)]
        case .databricks where !changesRowsInPlace:
            return [dropTable(current), renameTable(staged, to: current.name)]
        case .databricks:
            return ["CREATE OR REPLACE TABLE \(table: current) AS SELECT * FROM \(table: staged)", dropTable(staged)]
        }
    }

    /// Makes `table` hold what `query` (which may read `table`) returns: one atomic `CREATE OR
    /// REPLACE TABLE` on Snowflake, BigQuery and Delta Lake. Elsewhere the rows go into a table
    /// beside it, which then takes its name: inside the caller's transaction where DDL is
    /// transactional, not atomic on Spark without Delta Lake (said in docs/warehouses.md).
    public func replaceTable(_ table: QualifiedName, asQuery query: SQL) -> [SQL] {
        if changesRowsInPlace, [.snowflake, .bigquery, .databricks].contains(engine) {
            return ["CREATE OR REPLACE TABLE \(table: table) AS \(sql: query)"]
        }
        let next = QualifiedName(table.schema, table.name + "_idh_next")
        return [dropTable(next), "CREATE TABLE \(table: next) AS \(sql: query)", dropTable(table), renameTable(next, to: table.name)]
    }

    /// Deletes the rows of `table` (called `alias` in `condition`, when given) for which
    /// `condition` is true. Where tables cannot change rows in place (Spark without Delta
    /// Lake) the table is rebuilt from the rows to keep: those whose condition is false or
    /// unknown, as `DELETE` keeps them.
    public func deleteRows(from table: QualifiedName, alias: String? = nil, where condition: SQL) -> [SQL] {
        let named: SQL = alias.map { "\(table: table) AS \(ident: $0)" } ?? "\(table: table)"
        guard !changesRowsInPlace else { return ["DELETE FROM \(sql: named) WHERE \(sql: condition)"] }
        return replaceTable(table, asQuery: "SELECT * FROM \(sql: named) WHERE NOT COALESCE((\(sql: condition)), FALSE)")
    }

    // MARK: - Catalog

    /// Finds what a name is in a schema; one row, `table` or `view`, when it exists.
    public func relationKindQuery(_ name: QualifiedName) -> SQL {
        switch engine {
        case .sqlite:
            return "SELECT type FROM \(table: QualifiedName(name.schema, "sqlite_master")) WHERE type IN ('table', 'view') AND name = \(bind: .text(name.name))"
        case .snowflake:
            // Views from information_schema.views: Snowflake lists them in both catalogs, its
            // stand-in (fakesnow) only there.
            return """
                SELECT 'table' FROM information_schema.tables
                WHERE table_type <> 'VIEW' AND table_schema = UPPER(\(bind: .text(name.schema))) AND table_name = UPPER(\(bind: .text(name.name)))
                UNION ALL
                SELECT 'view' FROM information_schema.views
                WHERE table_schema = UPPER(\(bind: .text(name.schema))) AND table_name = UPPER(\(bind: .text(name.name)))
                """
        case .databricks:
            return """
                SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END FROM information_schema.tables
                WHERE table_schema = \(bind: .text(name.schema)) AND table_name = \(bind: .text(name.name))
                """
        case .bigquery:
            // Each dataset has a catalog of its own.
            return """
                SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END FROM \(table: QualifiedName(name.schema, "INFORMATION_SCHEMA")).TABLES
                WHERE table_name = \(bind: .text(name.name))
                """
        case .postgres, .redshift:
            return """
                SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                WHERE \(sql: inSchema(name.schema)) AND c.relname = \(bind: .text(name.name)) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                """
        }
    }

    /// Lists the tables of a schema (the temporary one included) whose names start with `prefix`.
    public func tablesQuery(schema: String, prefix: String) -> SQL {
        // `!` escapes, not a backslash: Redshift reads a backslash in a string literal as an
        // escape of its own, so a backslash `ESCAPE` would not even be a complete literal there.
        let pattern = prefix.replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "_", with: "!_").replacingOccurrences(of: "%", with: "!%") + "%"
        switch engine {
        case .sqlite:
            return "SELECT name FROM \(table: QualifiedName(schema, "sqlite_master")) WHERE type = 'table' AND name LIKE \(bind: .text(pattern)) ESCAPE '!'"
        case .snowflake:
            return """
                SELECT LOWER(table_name) FROM information_schema.tables
                WHERE table_type = 'BASE TABLE' AND table_schema = UPPER(\(bind: .text(schema))) AND table_name LIKE UPPER(\(bind: .text(pattern))) ESCAPE '!'
                """
        case .databricks:
            return """
                SELECT table_name FROM information_schema.tables
                WHERE table_type <> 'VIEW' AND table_schema = \(bind: .text(schema)) AND table_name LIKE \(bind: .text(pattern)) ESCAPE '!'
                """
        case .bigquery:
            // GoogleSQL's LIKE has no ESCAPE clause: a backslash escapes there.
            let escaped = prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "%", with: "\\%") + "%"
            return """
                SELECT table_name FROM \(table: QualifiedName(schema, "INFORMATION_SCHEMA")).TABLES
                WHERE table_type = 'BASE TABLE' AND table_name LIKE \(bind: .text(escaped))
                """
        case .postgres, .redshift:
            return """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND c.relname LIKE \(bind: .text(pattern)) ESCAPE '!'
                  AND \(sql: inSchema(schema))
                """
        }
    }

    /// Lists a table's (or view's) column names and declared types, in table order. On
    /// PostgreSQL `pg_temp` means this connection's temporary schema, whose catalog name is
    /// `pg_temp_N`.
    public func columnsQuery(_ table: QualifiedName) -> SQL {
        switch engine {
        case .sqlite:
            return "SELECT name, type FROM pragma_table_info(\(bind: .text(table.name)), \(bind: .text(table.schema))) ORDER BY cid"
        case .snowflake:
            // Lower case, as idhealth's SQL names them: every name is quoted in upper case
            // there (``quote(_:)``), so the catalog's case carries nothing.
            return """
                SELECT LOWER(column_name), data_type FROM information_schema.columns
                WHERE table_schema = UPPER(\(bind: .text(table.schema))) AND table_name = UPPER(\(bind: .text(table.name)))
                ORDER BY ordinal_position
                """
        case .databricks:
            return """
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = \(bind: .text(table.schema)) AND table_name = \(bind: .text(table.name))
                ORDER BY ordinal_position
                """
        case .bigquery:
            return """
                SELECT column_name, data_type FROM \(table: QualifiedName(table.schema, "INFORMATION_SCHEMA")).COLUMNS
                WHERE table_name = \(bind: .text(table.name))
                ORDER BY ordinal_position
                """
        case .postgres, .redshift:
            return """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE \(sql: inSchema(table.schema))
                  AND c.relname = \(bind: .text(table.name)) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """
        }
    }
}

extension Dialect {
    /// The catalog condition that relation `c` of namespace `n` lives in `schema`, where `pg_temp` means this connection's own temporary schema (`pg_temp_N`):
    /// PostgreSQL names it with pg_my_temp_schema(); Redshift, which lacks that function, by
    /// the temporary schema whose tables this session can see.
    fileprivate func inSchema(_ schema: String) -> SQL {
        guard schema == temporarySchema else { return "n.nspname = \(bind: .text(schema))" }
        switch engine {
        case .redshift: return "n.nspname LIKE 'pg!_temp!_%' ESCAPE '!' AND pg_table_is_visible(c.oid)"
        // PostgreSQL's catalog; the other engines never read pg_class.
        case .postgres, .sqlite, .snowflake, .bigquery, .databricks: return "n.oid = pg_my_temp_schema()"
        }
    }
}

/// What a name in a schema is.
public enum RelationKind: String, Sendable, Hashable {
    case table
    case view
}
