import Foundation

/// A `--database` that is reached through an ADBC driver: which driver, which engine's SQL,
/// the driver's options, and what may be printed of it.
///
/// * `snowflake://USER:PASSWORD@ACCOUNT_OR_HOST[:PORT]/DATABASE[/SCHEMA][?…]`: Snowflake, through
///   the driver named `snowflake`; what follows the scheme is that driver's own DSN (the Go
///   Snowflake driver's: `account=`, `warehouse=`, `role=`, `authenticator=`, `protocol=` …).
/// * `sc://HOST:PORT[/;token=…;x-databricks-cluster-id=…]`: Spark Connect (Databricks
///   clusters, Databricks Connect, a Spark Connect server), through the driver named `spark`,
///   in the Databricks dialect.
/// * `adbc:postgresql://…` (or `adbc:postgres://…`): a PostgreSQL server through the driver
///   named `postgresql` — the same server a libpq URI reaches, for teams that standardize on
///   ADBC and for idhealth's own cross-check of the ADBC layer.
public struct ADBCLocation: Sendable, Hashable {
    /// The driver's manifest name (or a path to its `.so`/`.toml`).
    public let driver: String
    public let engine: Dialect.Engine
    /// The driver's own option keys and values, in the order they are set.
    let options: [Option]
    /// What the connection points at, safe to print: no password, no token.
    public let target: String
    /// Values that must never appear in a message.
    let secrets: [String]

    struct Option: Sendable, Hashable {
        let key: String
        let value: String
    }

    /// The ADBC form of `text`, nil when it is not one.
    public init?(_ text: String) throws {
        let lowered = text.lowercased()
        if lowered.hasPrefix("snowflake://") {
            let dsn = String(text.dropFirst("snowflake://".count))
            let parts = Self.userInfo(dsn)
            guard !parts.rest.isEmpty else {
                throw ConfigError("--database snowflake://…: give USER:PASSWORD@ACCOUNT/DATABASE[/SCHEMA][?…], the Snowflake driver's DSN")
            }
            driver = "snowflake"
            engine = .snowflake
            // The session's times in UTC, as idhealth compares and prints them, unless the DSN
            // sets a zone (the driver passes a parameter it does not know to the session).
            var uri = dsn.lowercased().contains("timezone=") ? dsn : dsn + (dsn.contains("?") ? "&" : "?") + "timezone=UTC"
            // A host that does not answer fails in 30 s rather than the driver's retries of
            // two minutes and more, unless the DSN sets its own `loginTimeout`.
            if !uri.lowercased().contains("logintimeout=") { uri += "&loginTimeout=30" }
            options = [Option(key: "uri", value: uri)]
            let host = parts.rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? parts.rest
            target = "snowflake://" + (parts.user.isEmpty ? "" : parts.user + "@") + host
            secrets = Self.secretForms(parts.password) + Self.querySecrets(dsn)
        } else if lowered.hasPrefix("sc://") {
            driver = "spark"
            engine = .databricks
            options = [Option(key: "uri", value: text)]
            let hostPart = text.dropFirst("sc://".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            target = "sc://" + hostPart
            // Spark Connect's parameters follow `/;` as key=value pairs: token and friends are secrets.
            secrets = text.split(separator: ";").compactMap { pair -> String? in
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, ["token", "password", "x-databricks-token"].contains(kv[0].lowercased()) else { return nil }
                return String(kv[1])
            }.flatMap(Self.secretForms)
        } else if lowered.hasPrefix("adbc:postgresql://") || lowered.hasPrefix("adbc:postgres://") {
            let uri = String(text.dropFirst("adbc:".count))
            driver = "postgresql"
            engine = .postgres
            options = [Option(key: "uri", value: uri)]
            let parts = Self.userInfo(String(uri[uri.range(of: "://")!.upperBound...]))
            let host = parts.rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? parts.rest
            target = "adbc:postgresql://" + (parts.user.isEmpty ? "" : parts.user + "@") + host
            secrets = PostgresConnectionString.passwords(in: uri)
        } else {
            return nil
        }
    }

    /// Opens the connection: loads the driver, connects with the options, and wraps it in the
    /// engine's session. `dialect` (`--dialect`) may only name the engine the scheme already picks.
    func connect(dialect forced: Dialect?) throws -> any Database {
        if let forced, forced.engine != engine, !(engine == .postgres && forced.engine == .redshift) {
            throw ConfigError("--dialect \(forced.engine.rawValue) does not match --database \(target), which is \(engine.displayName)")
        }
        let loaded = try ADBCDriver.load(driver)
        let connection = try ADBCConnection(driver: loaded, engine: forced?.engine ?? engine, options: options.map { ($0.key, $0.value) }, secrets: secrets)
        connection.autocommitOnly = isFakesnow
        switch forced?.engine ?? engine {
        case .postgres, .redshift:
            return try ADBCPostgresDatabase(connection, dialect: forced ?? .postgres, target: target)
        case .snowflake:
            // USER:PASSWORD@HOST/DATABASE/SCHEMA?…: a second path segment names the schema.
            let path = target.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2)
            return try SnowflakeDatabase(connection, target: target, namesSchema: path.count >= 2)
        case .databricks:
            return try SparkDatabase(connection, target: target)
        case .bigquery, .sqlite:
            throw ConfigError("idhealth reaches \(engine.displayName) through ADBC in a later version: `idhealth compile --dialect \(engine.rawValue)` writes the SQL to run there")
        }
    }

    /// Whether this is Snowflake's local stand-in, fakesnow's server (`account=fakesnow`),
    /// whose transactions idhealth cannot use (``ADBCConnection/autocommitOnly``).
    var isFakesnow: Bool {
        engine == .snowflake && options.contains { $0.key == "uri" && $0.value.lowercased().contains("account=fakesnow") }
    }

    /// `user[:password]@rest` split; no `@`: all of it is the rest.
    static func userInfo(_ text: String) -> (user: String, password: String, rest: String) {
        let beforeQuery = text.split(separator: "?", maxSplits: 1).first.map(String.init) ?? text
        guard let at = beforeQuery.lastIndex(of: "@") else { return ("", "", text) }
        let info = text[..<at]
        let rest = String(text[text.index(after: at)...])
        if let colon = info.firstIndex(of: ":") {
            return (String(info[..<colon]), String(info[info.index(after: colon)...]), rest)
        }
        return (String(info), "", rest)
    }

    /// A secret as written and percent-decoded.
    static func secretForms(_ secret: String) -> [String] {
        SecretText.forms([secret])
    }

    /// The values of query parameters that carry credentials.
    static func querySecrets(_ text: String) -> [String] {
        guard let query = text.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
        return query.split(separator: "&").compactMap { pair -> String? in
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { return nil }
            let key = kv[0].lowercased()
            return key.contains("password") || key.contains("token") || key.contains("passcode") || key.contains("secret") || key.contains("private_key") ? String(kv[1]) : nil
        }.flatMap(secretForms)
    }
}
