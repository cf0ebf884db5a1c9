/// Every SQL difference between the engines idhealth speaks to.
///
/// Code above the database layer builds SQL only through this value, so adding an engine
/// means adding cases here, not `if engine == …` branches elsewhere. Identifiers are always
/// quoted (an embedded quote doubled), values are always bound through ``placeholder(_:)``.
public struct Dialect: Sendable, Hashable {
    /// The engines a dialect exists for.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        case sqlite
        case postgres

        public var displayName: String {
            switch self {
            case .sqlite: return "SQLite"
            case .postgres: return "PostgreSQL"
            }
        }
    }

    public let engine: Engine

    public static let sqlite = Dialect(engine: .sqlite)
    public static let postgres = Dialect(engine: .postgres)

    // MARK: - Names

    /// The schema a bare table name lives in.
    public var defaultSchema: String {
        switch engine {
        case .sqlite: return "main"
        case .postgres: return "public"
        }
    }

    /// The connection's own schema for temporary tables: never logged, dropped when the
    /// connection closes (so a killed process leaves none behind).
    public var temporarySchema: String {
        switch engine {
        case .sqlite: return "temp"
        case .postgres: return "pg_temp"
        }
    }

    /// Quotes an identifier (schema, table, column), doubling any embedded double quote.
    public func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."table"`.
    public func qualified(_ schema: String, _ table: String) -> String {
        quote(schema) + "." + quote(table)
    }

    /// The bind placeholder for the 1-based parameter `index`.
    public func placeholder(_ index: Int) -> String {
        switch engine {
        case .sqlite: return "?\(index)"
        case .postgres: return "$\(index)"
        }
    }

    // MARK: - Types

    /// Column type for identifiers and free text.
    public var textType: String { "TEXT" }
    /// Column type for 64-bit integers (seq, counts).
    public var integerType: String { "BIGINT" }
    /// Column type for floating-point values.
    public var realType: String {
        switch engine {
        case .sqlite: return "REAL"
        case .postgres: return "DOUBLE PRECISION"
        }
    }
    /// Column type for event and landing times. SQLite has no such type: times are ISO-8601
    /// text in UTC, which sorts and compares correctly.
    public var timestampType: String {
        switch engine {
        case .sqlite: return "TEXT"
        case .postgres: return "TIMESTAMPTZ"
        }
    }

    /// A timestamp literal in the form ``timestampType`` stores, for COPY and bound values.
    public func timestampLiteral(_ utcText: String) -> String {
        switch engine {
        case .sqlite: return utcText
        case .postgres: return utcText + "+00"
        }
    }

    /// An expression giving `expression` (a timestamp column) as `YYYY-MM-DD HH:MM:SS` text
    /// in UTC, so results compare equal across engines.
    public func timestampText(_ expression: String) -> String {
        switch engine {
        case .sqlite: return "strftime('%Y-%m-%d %H:%M:%S', \(expression))"
        case .postgres: return "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        }
    }

    /// A constant of ``timestampType`` from `YYYY-MM-DD HH:MM:SS` text that idhealth itself
    /// formatted (never user input).
    public func timestampConstant(_ utcText: String) -> String {
        "CAST('\(utcText.replacingOccurrences(of: "'", with: "''"))' AS \(timestampType))"
    }

    // MARK: - Functions

    /// Whether `value` matches the regular expression `pattern`. SQLite has no built-in
    /// implementation: idhealth registers `regexp()` on every SQLite connection.
    public func regexpMatch(_ value: String, pattern: String) -> String {
        switch engine {
        case .sqlite: return "regexp(\(pattern), \(value))"
        case .postgres: return "(\(value) ~ \(pattern))"
        }
    }

    /// Why SHA-1 cannot be computed here, for a check that needs it.
    public var sha1UnavailableReason: String {
        switch engine {
        case .sqlite: return "SHA-1 is not available on this SQLite connection"
        case .postgres: return "PostgreSQL has no SHA-1 without the pgcrypto extension: run `CREATE EXTENSION pgcrypto;` (or ask your DBA) to enable this check"
        }
    }

    /// A bound timestamp text as a value comparable with timestamp columns.
    public func castToTimestamp(_ expression: String) -> String {
        switch engine {
        case .sqlite: return expression
        case .postgres: return "CAST(\(expression) AS TIMESTAMPTZ)"
        }
    }

    /// `expression` (a timestamp) moved `hours` earlier. On SQLite the result is
    /// `YYYY-MM-DD HH:MM:SS` text, or NULL when the text is not a time SQLite understands.
    public func timestamp(_ expression: String, minusHours hours: Double) -> String {
        let seconds = Int((hours * 3600).rounded())
        switch engine {
        case .sqlite: return "datetime(\(expression), '-\(seconds) seconds')"
        case .postgres: return "((\(expression)) - make_interval(secs => \(seconds)))"
        }
    }

    /// Hours from `earlier` to `later` as a real number.
    public func hoursBetween(_ earlier: String, and later: String) -> String {
        switch engine {
        case .sqlite: return "((julianday(\(later)) - julianday(\(earlier))) * 24.0)"
        case .postgres: return "(EXTRACT(EPOCH FROM ((\(later)) - (\(earlier)))) / 3600.0)"
        }
    }

    /// The UTC calendar day of a timestamp as `YYYY-MM-DD` text.
    public func dayText(_ expression: String) -> String {
        switch engine {
        case .sqlite: return "substr(strftime('%Y-%m-%d %H:%M:%S', \(expression)), 1, 10)"
        case .postgres: return "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }

    /// The `YYYY-MM-DD` day `days` days before the `YYYY-MM-DD` day `day`.
    public func daysBefore(_ day: String, days: String) -> String {
        switch engine {
        case .sqlite: return "date(\(day), '-' || (\(days)) || ' days')"
        case .postgres: return "to_char(CAST(\(day) AS DATE) - CAST(\(days) AS INTEGER), 'YYYY-MM-DD')"
        }
    }

    // MARK: - Statements

    /// Starts a transaction that takes the write lock at once, so two writers never interleave.
    public var beginWriteTransaction: String {
        switch engine {
        case .sqlite: return "BEGIN IMMEDIATE"
        case .postgres: return "BEGIN"
        }
    }

    /// Creates an index. SQLite names the schema on the index, PostgreSQL on the table.
    public func createIndex(_ name: String, schema: String, table: String, columns: [String], unique: Bool = false) -> String {
        let columnList = columns.map(quote).joined(separator: ", ")
        let kind = unique ? "UNIQUE INDEX" : "INDEX"
        switch engine {
        case .sqlite:
            return "CREATE \(kind) \(qualified(schema, name)) ON \(quote(table)) (\(columnList))"
        case .postgres:
            return "CREATE \(kind) \(quote(name)) ON \(qualified(schema, table)) (\(columnList))"
        }
    }

    /// Statements that start an incremental run's transaction (scoped to it). Its joins pair
    /// a work table of thousands of rows with tables of millions: PostgreSQL's planner
    /// tends to hash the large side (a full scan) where index probes cost a fraction, and
    /// JIT-compiles each statement for longer than it runs. SQLite needs nothing.
    public var settingsForSmallUpdates: [String] {
        switch engine {
        case .sqlite: return []
        case .postgres: return ["SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off", "SET LOCAL jit = off"]
        }
    }

    /// Gathers a freshly built table's statistics, where the planner needs them at once.
    /// PostgreSQL plans a new table from guesses until autovacuum gets to it (a join of a
    /// small work table with a large table could then scan the large one); SQLite's planner
    /// does well without, and its ANALYZE reads whole indexes, so it is left out there.
    public func analyzeNewTable(_ qualifiedName: String) -> String? {
        switch engine {
        case .sqlite: return nil
        case .postgres: return "ANALYZE \(qualifiedName)"
        }
    }

    /// Adds a column at the end of a table.
    public func addColumn(schema: String, table: String, column: String, type: String) -> String {
        "ALTER TABLE \(qualified(schema, table)) ADD COLUMN \(quote(column)) \(type)"
    }

    /// Drops a table or a view, whichever `kind` (from ``relationKindQuery(schema:name:)``) says it is.
    public func dropRelation(schema: String, name: String, kind: String) -> String {
        "DROP \(kind == "view" ? "VIEW" : "TABLE") IF EXISTS \(qualified(schema, name))"
    }

    /// Finds what a name is in a schema; one row, `table` or `view`, when it exists.
    public func relationKindQuery(schema: String, name: String) -> (String, [SQLValue]) {
        switch engine {
        case .sqlite:
            return ("SELECT type FROM \(quote(schema)).sqlite_master WHERE type IN ('table', 'view') AND name = ?1", [.text(name)])
        case .postgres:
            return ("SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')", [.text(schema), .text(name)])
        }
    }

    /// What decides whether two column types hold the same values: SQLite's type affinity
    /// (a table created from a query renames `INTEGER` to `INT`, but both store integers), or
    /// PostgreSQL's exact type.
    /// See https://www.sqlite.org/datatype3.html#determination_of_column_affinity.
    public func typeFamily(_ declared: String) -> String {
        let upper = declared.uppercased()
        switch engine {
        case .postgres:
            return declared.lowercased()
        case .sqlite:
            if upper.contains("INT") { return "integer" }
            if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") { return "text" }
            if upper.isEmpty || upper.contains("BLOB") { return "blob" }
            if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") { return "real" }
            return "numeric"
        }
    }

    /// Renames a table within its schema.
    public func renameTable(schema: String, from: String, to: String) -> String {
        "ALTER TABLE \(qualified(schema, from)) RENAME TO \(quote(to))"
    }

    /// Lists the tables of a schema (the temporary one included) whose names start with `prefix`.
    public func tablesQuery(schema: String, prefix: String) -> (String, [SQLValue]) {
        let pattern = prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "%", with: "\\%") + "%"
        switch engine {
        case .sqlite:
            return ("SELECT name FROM \(quote(schema)).sqlite_master WHERE type = 'table' AND name LIKE ?1 ESCAPE '\\'", [.text(pattern)])
        case .postgres:
            return ("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND c.relname LIKE $2 ESCAPE '\\'
                  AND (n.nspname = $1 OR ($1 = 'pg_temp' AND n.oid = pg_my_temp_schema()))
                """, [.text(schema), .text(pattern)])
        }
    }

    /// Lists a table's (or view's) column names and declared types, in table order.
    public func columnsQuery(schema: String, table: String) -> (String, [SQLValue]) {
        switch engine {
        case .sqlite:
            return ("SELECT name, type FROM pragma_table_info(?1, ?2) ORDER BY cid", [.text(table), .text(schema)])
        case .postgres:
            return ("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, [.text(schema), .text(table)])
        }
    }
}

import Foundation
