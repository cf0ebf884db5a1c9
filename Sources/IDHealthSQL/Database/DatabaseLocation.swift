import Foundation

/// Where the data lives, as the user wrote it on the command line or in `idhealth.yml`.
public struct DatabaseLocation: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case sqlite(path: String)
        case postgres(conninfo: String)
        /// `odbc:` and an ODBC connection string, for the driver manager.
        case odbc(connectionString: String)
        /// A warehouse (or a server) through an ADBC driver loaded at run time.
        case adbc(ADBCLocation)
        /// BigQuery, through its REST API.
        case bigquery(BigQueryLocation)
    }

    public let kind: Kind

    /// Parses `DB`: a SQLite path or `sqlite:PATH`; a `postgres://` or `postgresql://` URI
    /// (PostgreSQL or Redshift), or a libpq keyword string (`host=… dbname=…`); `odbc:` and an
    /// ODBC connection string (`odbc:DSN=warehouse`, `odbc:Driver={…};Server=…`); a
    /// warehouse's scheme (`snowflake://`, `sc://`, `bigquery://`, `adbc:postgresql://`).
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            throw ConfigError("--database is empty: give a SQLite file path or a postgres:// URI")
        }
        if let adbc = try ADBCLocation(trimmed) {
            kind = .adbc(adbc)
        } else if let bigquery = try BigQueryLocation(trimmed) {
            kind = .bigquery(bigquery)
        } else if trimmed.lowercased().hasPrefix("odbc:") {
            let connection = String(trimmed.dropFirst("odbc:".count))
            guard connection.contains("=") else {
                throw ConfigError("--database \(trimmed): after odbc: comes an ODBC connection string, such as odbc:DSN=warehouse or odbc:Driver={PostgreSQL Unicode};Server=…")
            }
            kind = .odbc(connectionString: connection)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            kind = .postgres(conninfo: trimmed)
        } else if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            kind = .sqlite(path: path)
        } else if trimmed.range(of: #"^\s*[A-Za-z_]+\s*=\s*"#, options: .regularExpression) != nil {
            kind = .postgres(conninfo: trimmed)
        } else {
            kind = .sqlite(path: trimmed)
        }
    }

    /// Whether the string holds a password, token or other secret (which a file others can
    /// read, such as the `idhealth.yml` that `init` writes, must not).
    public var holdsSecret: Bool {
        switch kind {
        case .sqlite: return false
        case .postgres(let conninfo): return !PostgresConnectionString.passwords(in: conninfo).isEmpty
        case .odbc(let connectionString): return !ODBCConnectionString.secrets(in: connectionString).isEmpty
        case .adbc(let location): return !location.secrets.isEmpty
        // The access token is read from the environment, never from the URI.
        case .bigquery: return false
        }
    }

    /// Whether the connection picks its engine itself (ODBC from the driver, ADBC from the scheme).
    var namesItsEngine: Bool {
        switch kind {
        case .odbc, .adbc, .bigquery: return true
        case .sqlite, .postgres: return false
        }
    }

    public var engine: Dialect.Engine {
        switch kind {
        case .sqlite: return .sqlite
        case .postgres, .odbc: return .postgres
        case .adbc(let location): return location.engine
        case .bigquery: return .bigquery
        }
    }

    /// Opens a connection; `create` allows a new SQLite file (for `generate`). `dialect`
    /// (`--dialect`) forces the SQL spoken over a libpq connection, which is otherwise the
    /// server's own (Redshift or PostgreSQL); a SQLite file speaks only SQLite.
    public func connect(create: Bool = false, dialect: Dialect? = nil) throws -> any Database {
        // ODBC names the engines it reaches itself (ODBC.engines).
        if let dialect, dialect.engine == .snowflake, !namesItsEngine {
            throw ConfigError("--dialect snowflake connects through the ADBC Snowflake driver: give --database snowflake://USER:PASSWORD@ACCOUNT/DATABASE (docs/warehouses.md), or `idhealth compile --dialect snowflake` for SQL files")
        }
        if let dialect, dialect.engine == .databricks, !namesItsEngine {
            throw ConfigError("--dialect databricks connects through Spark Connect and the ADBC Spark driver: give --database sc://HOST:PORT[/;token=…;x-databricks-cluster-id=…] (docs/warehouses.md), or `idhealth compile --dialect databricks` for SQL files")
        }
        if let dialect, dialect.engine == .bigquery, !namesItsEngine {
            throw ConfigError("--dialect bigquery connects through BigQuery's REST API: give --database bigquery://PROJECT[?location=REGION] (docs/warehouses.md), or `idhealth compile --dialect bigquery` for SQL files")
        }
        if let dialect, !dialect.hasConnection, !namesItsEngine {
            throw ConfigError("idhealth does not connect to \(dialect.engine.displayName) in this version: `idhealth compile --dialect \(dialect.engine.rawValue) --traits …` writes the SQL to run there")
        }
        switch kind {
        case .sqlite(let path):
            if let dialect, dialect != .sqlite {
                throw ConfigError("--dialect \(dialect.engine.rawValue) needs a server connection (a postgres:// URI or libpq keyword string); \(path) is a SQLite file")
            }
            return try SQLiteDatabase(path: path, create: create)
        case .postgres(let conninfo):
            if let dialect, !dialect.speaksPostgresProtocol {
                throw ConfigError("--dialect \(dialect.engine.rawValue) is for SQLite files, and the database is a PostgreSQL connection string")
            }
            return try PostgresDatabase(conninfo: conninfo, dialect: dialect)
        case .odbc(let connectionString):
            return try ODBC.connect(connectionString: connectionString, dialect: dialect, create: create)
        case .adbc(let location):
            return try location.connect(dialect: dialect)
        case .bigquery(let location):
            return try location.connect(dialect: dialect)
        }
    }
}
