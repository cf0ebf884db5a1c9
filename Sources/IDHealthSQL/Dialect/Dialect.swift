import Foundation

/// Every SQL difference between the engines idhealth speaks to.
///
/// Code above the database layer builds ``SQL`` values and never asks which engine it talks to;
/// the dialect renders them: it quotes identifiers, numbers placeholders, quotes literals,
/// spells types and the expressions of ``SQLExpression``, and writes the statements whose form
/// differs (indexes, catalog lookups, transactions). Adding an engine means adding cases here,
/// not `if engine == …` branches elsewhere.
public struct Dialect: Sendable, Hashable {
    /// The engines a dialect exists for.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        case sqlite
        case postgres
        /// Amazon Redshift, over PostgreSQL's wire protocol (libpq): PostgreSQL 8.0's SQL
        /// without indexes, advisory locks, `COPY … FROM STDIN`, `lock_timeout`, pgcrypto,
        /// schema-qualified temporary tables or `UNION` in a recursive query.
        case redshift
        /// Snowflake, through its ADBC driver (`SnowflakeDatabase`) and in files
        /// (`idhealth compile`). Unquoted names fold to upper case there, so every name is
        /// quoted in upper case; no indexes, no recursive `UNION`, DDL that commits on its own.
        case snowflake
        /// Google BigQuery (GoogleSQL), through its REST API (`BigQueryDatabase`) and in files
        /// (`idhealth compile`): names quoted with backticks, a schema is a dataset, no
        /// indexes, no bare `UNION` (it is `UNION DISTINCT`), backslash escapes in string
        /// literals, DDL that is not transactional.
        case bigquery
        /// Databricks (Spark SQL on Delta Lake tables), through Spark Connect
        /// (`SparkDatabase`) and in files (`idhealth compile`): backticks, no indexes, no
        /// `UPDATE … FROM` (a pass that changes a table rebuilds it with `CREATE OR REPLACE
        /// TABLE`), no transactions; Spark without Delta Lake: ``changesRowsInPlace``.
        case databricks

        public var displayName: String {
            switch self {
            case .sqlite: return "SQLite"
            case .postgres: return "PostgreSQL"
            case .redshift: return "Redshift"
            case .snowflake: return "Snowflake"
            case .bigquery: return "BigQuery"
            case .databricks: return "Databricks"
            }
        }
    }

    public let engine: Engine

    /// Whether tables take `DELETE`, `MERGE` and `CREATE OR REPLACE TABLE … AS`. False only
    /// for Spark whose tables are not Delta Lake's (open-source Spark's default, Parquet):
    /// there a statement that changes rows rebuilds the table beside it and renames it into
    /// place (``deleteRows(from:alias:where:)``, ``replaceTable(_:asQuery:)``), and
    /// incremental runs are refused. Databricks' tables are Delta Lake's unless made otherwise.
    public let changesRowsInPlace: Bool

    /// The schema that stands in for the connection's temporary tables where the engine has
    /// none (Spark, Databricks): one per connection, named by a time-ordered token, dropped
    /// when the run ends (``Database/close()``) and, when a killed run left it, by a later
    /// connection once it is a day old. nil: the engine's own temporary schema.
    public let sessionSchema: String?

    public static let sqlite = Dialect(engine: .sqlite)
    public static let postgres = Dialect(engine: .postgres)
    public static let redshift = Dialect(engine: .redshift)
    public static let snowflake = Dialect(engine: .snowflake)
    public static let bigquery = Dialect(engine: .bigquery)
    public static let databricks = Dialect(engine: .databricks)

    /// The dialect of a `--dialect` value (an ``Engine`` raw value, any case), nil for any other.
    public init?(named name: String) {
        guard let engine = Engine(rawValue: name.lowercased()) else { return nil }
        self.init(engine: engine)
    }

    public init(engine: Engine) {
        self.engine = engine
        changesRowsInPlace = true
        sessionSchema = nil
    }

    /// Spark SQL as a Spark Connect session speaks it: Delta Lake's statements when its
    /// tables are Delta's (`changesRowsInPlace`), its temporary tables in `sessionSchema`.
    public static func spark(changesRowsInPlace: Bool, sessionSchema: String) -> Dialect {
        Dialect(engine: .databricks, changesRowsInPlace: changesRowsInPlace, sessionSchema: sessionSchema)
    }

    /// GoogleSQL as a BigQuery connection speaks it: its temporary tables in `sessionSchema`,
    /// a dataset of the connection's own.
    public static func bigquery(sessionSchema: String) -> Dialect {
        Dialect(engine: .bigquery, changesRowsInPlace: true, sessionSchema: sessionSchema)
    }

    private init(engine: Engine, changesRowsInPlace: Bool, sessionSchema: String?) {
        self.engine = engine
        self.changesRowsInPlace = changesRowsInPlace
        self.sessionSchema = sessionSchema
    }

    /// Whether the engine speaks PostgreSQL's wire protocol, so libpq connects to it.
    public var speaksPostgresProtocol: Bool { engine == .postgres || engine == .redshift }

    /// Whether idhealth can connect to the engine in this version (else it only writes its
    /// SQL, `idhealth compile`).
    public var hasConnection: Bool {
        switch engine {
        case .sqlite, .postgres, .redshift, .snowflake, .bigquery, .databricks: return true
        }
    }

    /// Whether the engine is a warehouse of its own design rather than SQLite or PostgreSQL:
    /// no indexes, no recursive `UNION`, no CTE hints, rows of a parallel scan in no order.
    var isWarehouse: Bool {
        switch engine {
        case .sqlite, .postgres: return false
        case .redshift, .snowflake, .bigquery, .databricks: return true
        }
    }

    /// Whether the engine has indexes. Redshift has none (it sorts and distributes tables
    /// instead): ``createIndex(_:on:columns:unique:ifNotExists:)`` is nil there, and idhealth's
    /// statements never rely on a unique index for correctness, only for speed.
    public var hasIndexes: Bool { !isWarehouse }

    /// Whether DDL takes part in a transaction. Snowflake commits before and after each DDL
    /// statement, so a group of them cannot be made atomic there (each `SWAP WITH` is);
    /// BigQuery's transactions take no DDL on permanent tables, Databricks has none that
    /// span statements (each `CREATE OR REPLACE` is atomic on both).
    public var hasTransactionalDDL: Bool {
        switch engine {
        case .sqlite, .postgres, .redshift: return true
        case .snowflake, .bigquery, .databricks: return false
        }
    }

    /// Whether a view can live in the connection's temporary schema (gone with the
    /// connection): SQLite's `temp`, PostgreSQL's `pg_temp`. Redshift has no temporary views.
    /// Spark's session schema (``sessionSchema``) holds views as it holds tables.
    public var hasTemporaryViews: Bool { engine == .sqlite || engine == .postgres || sessionSchema != nil }

    /// Whether `UPDATE t … FROM other WHERE …` exists. Databricks updates only from the
    /// table itself (a join goes through `MERGE`); a statement that would update from a join
    /// rebuilds the table with `CREATE OR REPLACE TABLE … AS` there instead, which Delta Lake
    /// reads from the snapshot it replaces.
    public var hasUpdateFrom: Bool { engine != .databricks }

    /// The keyword that makes a common table expression computed once (`WITH x AS
    /// MATERIALIZED (…)`), where the engine has it (PostgreSQL 12+, SQLite 3.35+); empty
    /// elsewhere, where such a query is planned as the engine sees fit.
    public var materializedCTE: SQL {
        isWarehouse ? "" : "MATERIALIZED "
    }

    /// Whether a recursive query may join its parts with `UNION`, which drops repeated rows
    /// and so ends on a cycle. Redshift's recursive queries take `UNION ALL` only.
    public var hasRecursiveUnion: Bool { !isWarehouse }

    /// The column list after a recursive query's name (` (a, b)`) where the engine requires
    /// one — Redshift documents `WITH RECURSIVE name (column_list) AS` — and nothing where it
    /// is refused (BigQuery) or optional.
    public func recursiveColumnList(_ columns: [String]) -> SQL {
        guard engine == .redshift else { return "" }
        return " (" + columns.map(SQL.identifier).joined(separator: ", ") + ")"
    }

    /// Whether `ROW_NUMBER() OVER ()` over an ordered subquery numbers its rows in that order.
    /// SQLite and PostgreSQL run the subquery's sort and then number its output; a massively
    /// parallel engine (Redshift) numbers rows as its slices deliver them, so kept offenders
    /// could not be read back worst first there.
    public var numbersRowsInQueryOrder: Bool { !isWarehouse }

    /// How the materialization lock is held: PostgreSQL's session advisory lock and SQLite's
    /// file lock die with the process; an engine without either keeps a row in a lock table,
    /// with the holder and an expiry (``LockRow``).
    public enum LockKind: Sendable { case file, advisory, row }

    /// Whether the catalog query of ``tablesQuery(schema:prefix:)`` finds the connection's
    /// temporary tables by ``temporarySchema``. Snowflake keeps them in the session's
    /// current schema, under no name of their own.
    public var catalogListsTemporaryTables: Bool { engine != .snowflake }

    /// Whether `LOCK TABLE` exists to serialize two takers of a lock row (PostgreSQL,
    /// Redshift). Elsewhere the row is inserted with a token and read back (``LockTable``).
    public var hasLockTableStatement: Bool {
        switch engine {
        case .sqlite, .postgres, .redshift: return true
        case .snowflake, .bigquery, .databricks: return false
        }
    }

    public var lockKind: LockKind {
        switch engine {
        case .sqlite: return .file
        case .postgres: return .advisory
        case .redshift, .snowflake, .bigquery, .databricks: return .row
        }
    }

    // MARK: - Names

    /// The schema a bare table name lives in.
    public var defaultSchema: String {
        switch engine {
        case .sqlite: return "main"
        case .postgres, .redshift, .snowflake, .bigquery, .databricks: return "public"
        }
    }

    /// The connection's own schema for temporary tables: never logged, dropped when the
    /// connection closes (so a killed process leaves none behind). Redshift does not let a
    /// temporary table be named with a schema: there a name in this schema renders bare, and
    /// `CREATE TABLE` of it as `CREATE TEMP TABLE` (see ``render(_:)``).
    public var temporarySchema: String {
        if let sessionSchema { return sessionSchema }
        switch engine {
        case .sqlite: return "temp"
        case .postgres, .redshift, .snowflake, .bigquery, .databricks: return "pg_temp"
        }
    }

    /// Quotes an identifier (schema, table, column), doubling any embedded double quote. On
    /// Snowflake in upper case: an unquoted name is stored upper case there (so are Profiles
    /// Sync's tables and columns), and the names idhealth writes unquoted fold the same way.
    /// BigQuery quotes with backticks and escapes with a backslash inside them; Spark SQL
    /// (Databricks) doubles a backtick.
    public func quote(_ identifier: String) -> String {
        switch engine {
        case .databricks:
            return "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`"
        case .bigquery:
            let escaped = identifier.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`")
            return "`" + escaped + "`"
        case .snowflake:
            return "\"" + identifier.uppercased().replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case .sqlite, .postgres, .redshift:
            return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// Whether a column named `declared` in the catalog is the one idhealth's SQL means by
    /// the lower-case name `wanted`: SQLite compares names without case, PostgreSQL folds an
    /// unquoted name to lower case, so its `"Seq"` is not `seq`.
    public func columnName(_ declared: String, is wanted: String) -> Bool {
        switch engine {
        // Redshift folds every identifier to lower case, quoted or not (unless a cluster
        // sets enable_case_sensitive_identifier), so its catalog names are lower case.
        // BigQuery's and Databricks' column names are case-insensitive.
        case .sqlite, .redshift, .snowflake, .bigquery, .databricks: return declared.lowercased() == wanted
        case .postgres: return declared == wanted
        }
    }

    /// The longest value, in bytes, the engine can index: PostgreSQL's B-tree refuses an
    /// entry over about a third of a page (2,704 bytes at 8 kB); idhealth keeps a margin.
    /// SQLite has no such limit.
    public var maximumKeyBytes: Int? {
        switch engine {
        case .sqlite, .redshift, .snowflake, .bigquery, .databricks: return nil
        case .postgres: return 2_000
        }
    }

    /// What idhealth computes with a raw column: time arithmetic (`timestamp`, `uuid_ts`) or
    /// numeric order (`seq`).
    public enum ColumnRole: Sendable {
        case time, order

        /// The types a column of this role may have, in words for a message.
        public var expected: String {
            switch self {
            case .time: return "timestamp, timestamp with time zone or date"
            case .order: return "an integer or numeric type"
            }
        }

        /// The type idhealth itself declares for such a column.
        public var type: SQLType { self == .time ? .timestamp : .integer }
    }

    /// Whether a column declared `declaredType` can play `role`; nil where declared types do
    /// not decide it (SQLite's are affinities: each value keeps its own type, and text
    /// timestamps are its usual form). On PostgreSQL a text `uuid_ts` fails deep inside a
    /// statement (`operator does not exist: text - interval`), and a text `seq` orders '10'
    /// before '9' without any error at all.
    public func accepts(declaredType: String, as role: ColumnRole) -> Bool? {
        switch engine {
        case .sqlite, .snowflake, .bigquery, .databricks:
            return nil
        case .postgres, .redshift:
            let type = declaredType.lowercased()
            switch role {
            case .time: return type.hasPrefix("timestamp") || type == "date"
            case .order: return ["smallint", "integer", "bigint", "real", "double precision"].contains(type) || type.hasPrefix("numeric")
            }
        }
    }

    /// The bind placeholder for the 1-based parameter `index`.
    public func placeholder(_ index: Int) -> String {
        switch engine {
        case .sqlite: return "?\(index)"
        case .postgres, .redshift: return "$\(index)"
        case .snowflake: return ":\(index)"
        case .bigquery, .databricks: return "?"
        }
    }

    // MARK: - Types

    /// How this engine spells a column type: one exhaustive table per engine, so a new
    /// engine or type cannot fall through to another engine's spelling.
    public func spell(_ type: SQLType) -> String {
        switch engine {
        case .sqlite:
            switch type {
            case .text: return "TEXT"
            case .integer: return "BIGINT"
            case .real: return "REAL"
            case .numeric: return "NUMERIC"
            case .boolean: return "BOOLEAN"
            // SQLite has no time type: times are ISO-8601 text in UTC, which sorts and compares.
            case .timestamp, .date: return "TEXT"
            case .untyped: return ""
            }
        case .postgres:
            switch type {
            case .text, .untyped: return "TEXT"
            case .integer: return "BIGINT"
            case .real: return "DOUBLE PRECISION"
            case .numeric: return "NUMERIC"
            case .boolean: return "BOOLEAN"
            case .timestamp: return "TIMESTAMPTZ"
            case .date: return "DATE"
            }
        case .redshift:
            switch type {
            // Redshift's TEXT is VARCHAR(256), which would cut longer trait values.
            case .text, .untyped: return "VARCHAR(65535)"
            case .integer: return "BIGINT"
            case .real: return "DOUBLE PRECISION"
            case .numeric: return "NUMERIC"
            case .boolean: return "BOOLEAN"
            case .timestamp: return "TIMESTAMPTZ"
            case .date: return "DATE"
            }
        case .snowflake:
            switch type {
            case .text, .untyped: return "TEXT"
            case .integer: return "BIGINT"
            case .real: return "DOUBLE PRECISION"
            case .numeric: return "NUMERIC"
            case .boolean: return "BOOLEAN"
            case .timestamp: return "TIMESTAMP_TZ"
            case .date: return "DATE"
            }
        case .bigquery:
            // GoogleSQL's own names (it takes BIGINT as an alias, but not TEXT).
            switch type {
            case .text, .untyped: return "STRING"
            case .integer: return "INT64"
            case .real: return "FLOAT64"
            case .numeric: return "NUMERIC"
            case .boolean: return "BOOL"
            case .timestamp: return "TIMESTAMP"
            case .date: return "DATE"
            }
        case .databricks:
            switch type {
            case .text, .untyped: return "STRING"
            case .integer: return "BIGINT"
            case .real: return "DOUBLE"
            // Spark's bare DECIMAL is DECIMAL(10,0).
            case .numeric: return "DECIMAL(38,9)"
            case .boolean: return "BOOLEAN"
            case .timestamp: return "TIMESTAMP"
            case .date: return "DATE"
            }
        }
    }

    /// The portable type that holds the values of a column declared `declared` in the catalog
    /// (`pragma_table_info` in SQLite, `format_type` in PostgreSQL). Two declared types hold
    /// the same values exactly when they map to the same portable type.
    ///
    /// SQLite decides by type affinity (a table created from a query renames `INTEGER` to
    /// `INT`, but both store integers; see https://www.sqlite.org/datatype3.html); PostgreSQL
    /// by the type's family, and any type outside the closed set is kept as its text.
    public func portableType(ofDeclared declared: String) -> SQLType {
        let upper = declared.uppercased()
        switch engine {
        case .sqlite:
            if upper.contains("INT") { return .integer }
            if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") { return .text }
            if upper.isEmpty || upper.contains("BLOB") { return .untyped }
            if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") { return .real }
            return .numeric
        case .postgres, .redshift, .snowflake, .bigquery, .databricks:
            // Without type modifiers: `numeric(10,2)`, `timestamp(3) without time zone`.
            let base = declared.lowercased().replacingOccurrences(of: #"\([^)]*\)"#, with: "", options: .regularExpression)
                .split(separator: " ").joined(separator: " ")
            // Snowflake's catalog says NUMBER(38,0) for an integer column and NUMBER(p,s) else.
            if engine == .snowflake, ["number", "numeric", "decimal"].contains(base) {
                return upper.hasSuffix(",0)") || !upper.contains(",") ? .integer : .numeric
            }
            switch base {
            case "bigint", "integer", "smallint", "int", "int64": return .integer
            case "character varying", "character", "text", "varchar", "string": return .text
            case "double precision", "real", "float", "double", "float64": return .real
            case "numeric", "bignumeric", "decimal": return .numeric
            case "timestamp_tz", "timestamp_ltz", "timestamp_ntz", "timestamp": return .timestamp
            case "boolean", "bool": return .boolean
            case "timestamp with time zone", "timestamp without time zone": return .timestamp
            case "date": return .date
            default: return .text
            }
        }
    }

    /// A raw column's value as the portable type of its declared type, so a table built from
    /// a query and a column added later by name hold the same type. SQLite keeps values as
    /// they are (a cast would convert them; the declared type already decides their
    /// affinity); PostgreSQL casts unless the declared type is already the portable one.
    public func conform(_ value: SQL, declared: String) -> SQL {
        let portable = portableType(ofDeclared: declared)
        switch engine {
        case .sqlite:
            return value
        case .redshift where portable == .numeric, .snowflake where portable == .numeric, .bigquery where portable == .numeric, .databricks where portable == .numeric:
            // Redshift's bare NUMERIC is NUMERIC(18,0): a cast would drop the decimals.
            return value
        case .bigquery, .databricks:
            // Their catalog names (STRING, INT64, …) are not PostgreSQL's.
            return spell(portable).lowercased() == declared.lowercased() ? value : .cast(value, as: portable)
        case .postgres, .redshift, .snowflake:
            let exact: [SQLType: String] = [
                .text: "text", .integer: "bigint", .real: "double precision", .numeric: "numeric",
                .boolean: "boolean", .timestamp: "timestamp with time zone", .date: "date",
            ]
            return exact[portable] == declared.lowercased() ? value : .cast(value, as: portable)
        }
    }

    /// A time as the text COPY and bound parameters take for a ``SQLType/timestamp`` column.
    public func timestampLiteral(_ utcText: String) -> String {
        switch engine {
        case .sqlite: return utcText
        case .postgres, .redshift, .bigquery, .databricks: return utcText + "+00"
        // Snowflake reads ISO 8601 with the offset right after the time; the stand-in
        // (fakesnow, on DuckDB) reads no other form.
        case .snowflake: return utcText + "+00:00"
        }
    }
}
