import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// A fresh, empty place to run a test on each engine: a SQLite file in a temporary folder,
/// or a schema of its own on the test PostgreSQL server (`IDHEALTH_TEST_POSTGRES`, set by
/// scripts/test.sh), spoken to in PostgreSQL's dialect or in Redshift's (the server then
/// stands in for Redshift: scripts/test.sh gives it Redshift's built-in `FUNC_SHA1`). All are
/// removed afterwards.
///
/// A PostgreSQL test without a server fails: it never skips silently.
struct TestDatabase {
    let database: any Database
    let schemas: Schemas
    /// The `--database` argument that reaches the same place from the command line.
    let location: String
    let directory: URL

    /// The engines a test can run on here: SQLite, and the PostgreSQL server in PostgreSQL's
    /// and in Redshift's dialect. (Snowflake's SQL runs on fakesnow, from `compile`'s files.)
    static let engines: [Dialect.Engine] = [.sqlite, .postgres, .redshift]

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["IDHEALTH_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func with<T>(_ engine: Dialect.Engine, sourceLocation: SourceLocation = #_sourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        switch engine {
        case .sqlite:
            let path = directory.appendingPathComponent("test.sqlite").path
            let database = try SQLiteDatabase(path: path)
            return try body(TestDatabase(database: database, schemas: Schemas(source: "main", target: "main"), location: path, directory: directory))
        case .bigquery:
            return try withBigQuery(sourceLocation: sourceLocation, body)
        case .snowflake, .databricks:
            Issue.record("no native connection to \(engine.displayName): it is reached through its ADBC driver (Place.adbc)", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        case .postgres, .redshift:
            guard let url = postgresURL else {
                Issue.record("IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a PostgreSQL server", sourceLocation: sourceLocation)
                throw TestSetupError.noPostgres
            }
            let schema = uniqueSchemaName()
            // The stand-in server has no TLS; a Redshift connection requires it unless told.
            let conninfo = engine == .redshift ? url + (url.contains("?") ? "&" : "?") + "sslmode=disable" : url
            let database = try PostgresDatabase(conninfo: conninfo, dialect: Dialect(engine: engine))
            return try onServer(database, schema: String(schema), location: url, directory: directory, body)
        }
    }

    enum TestSetupError: Error { case noPostgres }

    /// A new empty folder for one test; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A schema name no other test uses.
    static func uniqueSchemaName() -> String {
        "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    /// A test on the server, whichever connection reaches it: a schema of its own (and any
    /// extra schema a test made with ``extraSchema(_:)``) dropped afterwards; in Redshift's
    /// dialect the stand-in reads backslashes in literals as Redshift does, and every
    /// statement is linted for what only PostgreSQL has.
    static func onServer<T>(_ database: any Database, schema: String, location: String, directory: URL, _ body: (TestDatabase) throws -> T) throws -> T {
        try database.execute("CREATE SCHEMA \(ident: schema)")
        defer {
            for name in (try? database.rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE \(bind: .text(schema + "%"))")) ?? [] {
                _ = try? database.execute("DROP SCHEMA \(ident: name[0].stringValue ?? schema) CASCADE")
            }
        }
        let redshift = database.dialect.engine == .redshift
        if redshift { try database.execute("SET standard_conforming_strings = off") }
        let spoken: any Database = redshift ? RedshiftLintingDatabase(wrapping: database) : database
        return try body(TestDatabase(database: spoken, schemas: Schemas(source: schema, target: schema), location: location, directory: directory))
    }

    /// Where a suite that proves a connection path runs: natively, through an ODBC driver
    /// from Debian (psqlODBC to the test server, libsqliteodbc to a SQLite file), or through
    /// an ADBC driver from PyPI (Apache's PostgreSQL driver to the test server, found by the
    /// manifest scripts/test.sh writes).
    enum Place: Sendable, CustomTestStringConvertible {
        case native(Dialect.Engine)
        case odbc(Dialect.Engine)
        case adbc(Dialect.Engine)

        var engine: Dialect.Engine {
            switch self {
            case .native(let engine), .odbc(let engine), .adbc(let engine): return engine
            }
        }

        var testDescription: String {
            switch self {
            case .native(let engine): return engine.rawValue
            case .odbc(let engine): return "\(engine.rawValue) through ODBC"
            case .adbc(let engine): return "\(engine.rawValue) through ADBC"
            }
        }
    }

    /// The engines, the server through psqlODBC in PostgreSQL's and in Redshift's dialect, a
    /// SQLite file through the SQLite ODBC driver, and the server through the ADBC PostgreSQL
    /// driver.
    static let places: [Place] = engines.map(Place.native) + [.odbc(.postgres), .odbc(.redshift), .odbc(.sqlite), .adbc(.postgres)]

    /// The places and the warehouses' stand-ins, for the suites small enough to run there
    /// (fakesnow answers each statement in a tenth of a second or more).
    static let placesAndWarehouses: [Place] = places + warehouses

    /// The warehouses' stand-ins: Snowflake's (fakesnow's server) and Spark's (a Spark
    /// Connect server), each through its ADBC driver, and BigQuery's (an emulator of its
    /// REST API), through idhealth's own client of that API.
    static let warehouses: [Place] = [.adbc(.snowflake), .adbc(.databricks), .native(.bigquery)]

    /// The places where an incremental run changes rows in place: all but Spark without
    /// Delta Lake, whose runs are full rebuilds (docs/warehouses.md).
    static let incrementalPlaces: [Place] = places + [.adbc(.snowflake), .native(.bigquery)]

    /// A SQLite file as an ODBC connection string for libsqliteodbc (`SQLite3`, the driver
    /// Debian's package registers).
    static func odbcConnectionString(sqlitePath path: String) -> String {
        "Driver=SQLite3;Database=\(path)"
    }

    /// The test server as an ODBC connection string for psqlODBC (`PostgreSQL Unicode`, the
    /// driver Debian's odbc-postgresql registers).
    static func odbcConnectionString(postgresURL url: String) throws -> String {
        let components = try #require(URLComponents(string: url), "IDHEALTH_TEST_POSTGRES is not a URL")
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return "Driver={PostgreSQL Unicode};Server=\(components.host ?? "127.0.0.1");Port=\(components.port ?? 5432);Database=\(database.isEmpty ? "postgres" : database);UID=\(components.user ?? "postgres");PWD=\(components.password ?? "")"
    }

    static func with<T>(_ place: Place, sourceLocation: SourceLocation = #_sourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        if case .adbc(let engine) = place { return try withADBC(engine, sourceLocation: sourceLocation, body) }
        guard case .odbc(let engine) = place else { return try with(place.engine, sourceLocation: sourceLocation, body) }
        if engine == .sqlite {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let connection = odbcConnectionString(sqlitePath: directory.appendingPathComponent("test.sqlite").path)
            let database = try ODBC.connect(connectionString: connection, dialect: .sqlite, create: true)
            return try body(TestDatabase(database: database, schemas: Schemas(source: "main", target: "main"), location: "odbc:" + connection, directory: directory))
        }
        guard let url = postgresURL else {
            Issue.record("IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a PostgreSQL server", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try odbcConnectionString(postgresURL: url)
        let database = try ODBC.connect(connectionString: connection, dialect: Dialect(engine: engine))
        let schema = uniqueSchemaName()
        return try onServer(database, schema: schema, location: "odbc:" + connection, directory: directory, body)
    }

    /// fakesnow's server, which scripts/test.sh starts, as a Snowflake DSN (`IDHEALTH_TEST_SNOWFLAKE`).
    static var snowflakeDSN: String? {
        ProcessInfo.processInfo.environment["IDHEALTH_TEST_SNOWFLAKE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The test server through the ADBC PostgreSQL driver (`adbc:` and its URL), or
    /// Snowflake's stand-in through the ADBC Snowflake driver.
    static func withADBC<T>(_ engine: Dialect.Engine, sourceLocation: SourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        if engine == .snowflake { return try withSnowflake(sourceLocation: sourceLocation, body) }
        if engine == .databricks { return try withSpark(sourceLocation: sourceLocation, body) }
        guard let url = postgresURL else {
            Issue.record("IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a PostgreSQL server and installs the ADBC drivers", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let location = "adbc:" + url
        let database = try DatabaseLocation(location).connect(dialect: Dialect(engine: engine))
        let schema = uniqueSchemaName()
        return try onServer(database, schema: schema, location: location, directory: directory, body)
    }

    /// One Snowflake test at a time: fakesnow's server keeps one DuckDB connection for every
    /// session, so one session's open transaction fails another's (`cannot start a
    /// transaction within a transaction`). Real Snowflake has no such limit.
    static let snowflakeTurn = NSLock()

    /// A schema of its own on fakesnow's server, dropped afterwards with every schema named
    /// after it (``extraSchema(_:)``).
    static func withSnowflake<T>(sourceLocation: SourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        snowflakeTurn.lock()
        defer { snowflakeTurn.unlock() }
        guard let dsn = snowflakeDSN else {
            Issue.record("IDHEALTH_TEST_SNOWFLAKE is not set: run the tests with scripts/test.sh, which starts fakesnow's server", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseLocation(dsn).connect()
        let schema = uniqueSchemaName()
        try database.useSchema(schema, create: true)
        defer {
            for name in (try? database.rows("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE UPPER(\(bind: .text(schema + "%")))")) ?? [] {
                _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: name[0].stringValue ?? schema) CASCADE")
            }
        }
        return try body(TestDatabase(database: database, schemas: Schemas(source: schema, target: schema), location: dsn, directory: directory))
    }

    /// The Spark Connect server scripts/test.sh starts (`IDHEALTH_TEST_SPARK`, `sc://HOST:PORT`).
    static var sparkURI: String? {
        ProcessInfo.processInfo.environment["IDHEALTH_TEST_SPARK"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// One Spark test at a time: the server runs on the same two cores as the tests, and
    /// its sessions would only queue behind each other there.
    static let sparkTurn = NSLock()

    /// A schema of its own on the Spark Connect server, dropped afterwards (with its tables)
    /// together with every schema named after it, and the connection's session schema.
    static func withSpark<T>(sourceLocation: SourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        sparkTurn.lock()
        defer { sparkTurn.unlock() }
        guard let uri = sparkURI else {
            Issue.record("IDHEALTH_TEST_SPARK is not set: run the tests with scripts/test.sh, which starts a Spark Connect server", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseLocation(uri).connect()
        defer { database.close() }
        let schema = uniqueSchemaName()
        try database.useSchema(schema, create: true)
        defer {
            for name in (try? database.rows("SHOW SCHEMAS")) ?? [] {
                guard let name = name[0].stringValue, name.hasPrefix(schema) else { continue }
                _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: name) CASCADE")
            }
        }
        return try body(TestDatabase(database: database, schemas: Schemas(source: schema, target: schema), location: uri, directory: directory))
    }

    /// The BigQuery emulator scripts/test.sh starts (`IDHEALTH_TEST_BIGQUERY`, `bigquery://…?endpoint=…`).
    static var bigqueryURI: String? {
        ProcessInfo.processInfo.environment["IDHEALTH_TEST_BIGQUERY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// One BigQuery test at a time: the emulator runs every query on one DuckDB connection.
    static let bigqueryTurn = NSLock()

    /// A dataset of its own on the BigQuery emulator, dropped afterwards (with its tables)
    /// together with every dataset named after it; the connection's session dataset goes
    /// with the connection.
    static func withBigQuery<T>(sourceLocation: SourceLocation, _ body: (TestDatabase) throws -> T) throws -> T {
        bigqueryTurn.lock()
        defer { bigqueryTurn.unlock() }
        guard let uri = bigqueryURI else {
            Issue.record("IDHEALTH_TEST_BIGQUERY is not set: run the tests with scripts/test.sh, which starts a BigQuery emulator", sourceLocation: sourceLocation)
            throw TestSetupError.noPostgres
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try #require(try DatabaseLocation(uri).connect() as? BigQueryDatabase)
        defer { database.close() }
        let schema = uniqueSchemaName()
        try database.useSchema(schema, create: true)
        defer {
            for name in (try? database.datasets()) ?? [] where name.hasPrefix(schema) {
                _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: name) CASCADE")
            }
        }
        return try body(TestDatabase(database: database, schemas: Schemas(source: schema, target: schema), location: uri, directory: directory))
    }

    /// Another schema beside the test's own, removed with it: an attached file in SQLite, a
    /// schema named after the test's in PostgreSQL.
    func extraSchema(_ suffix: String) throws -> String {
        switch database.dialect.engine {
        case .sqlite:
            try database.useSchema(suffix, create: true)
            return suffix
        case .postgres, .redshift, .snowflake, .bigquery, .databricks:
            let name = schemas.source + "_" + suffix
            try database.useSchema(name, create: true)
            return name
        }
    }

    // MARK: - Loading rows

    /// Creates a raw table with all-text columns (plus BIGINT seq) and inserts rows.
    func createRaw(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        let definitions = columns.map { column -> ColumnDefinition in
            switch column {
            case "seq": return ColumnDefinition(column, .integer)
            case "timestamp", "uuid_ts", "received_at": return ColumnDefinition(column, .timestamp)
            default: return ColumnDefinition(column, .text)
            }
        }
        try database.execute(database.dialect.createTable(QualifiedName(schemas.source, table), columns: definitions))
        try insertRaw(table, columns: columns, rows: rows)
    }

    /// Appends rows to a raw table.
    func insertRaw(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        // Through the connection's bulk load, which casts a time given as text to the
        // column's type where a driver binds text as text (ADBC).
        try database.inTransaction {
            try database.bulkLoad(into: QualifiedName(schemas.source, table), columns: columns) { sink in
                for row in rows { try sink.append(row) }
            }
        }
    }

    static let graphColumns = ["segment_id", "canonical_segment_id", "triggering_event_type", "triggering_event_id", "timestamp", "uuid_ts", "seq"]

    /// id_graph_updates from (segment_id, canonical_segment_id, seq) triples; times follow seq.
    func createGraph(_ pointers: [(String, String, Int64)]) throws {
        try createRaw(TableName.idGraphUpdates, columns: Self.graphColumns, rows: graphRows(pointers))
    }

    /// More id_graph_updates rows, landing when their seq says.
    func insertGraph(_ pointers: [(String, String, Int64)]) throws {
        try insertRaw(TableName.idGraphUpdates, columns: Self.graphColumns, rows: graphRows(pointers))
    }

    func time(_ seq: Int64) -> SQLValue {
        .text(database.dialect.timestampLiteral(UTCTime.format(1_700_000_000 + seq * 60)))
    }

    private func graphRows(_ pointers: [(String, String, Int64)]) -> [[SQLValue]] {
        pointers.map { segment, canonical, seq in [.text(segment), .text(canonical), "identify", .text("evt_\(seq)"), time(seq), time(seq), .integer(seq)] }
    }

    /// Empty external id and trait tables, for graph-only tests.
    func createEmptyExternalAndTraits(traits: [String] = ["email"]) throws {
        try createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
        try createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq"] + traits, rows: [])
    }

    func materialize(traitNulls: TraitNulls = .keepLastValue) throws -> MaterializeSummary {
        try Materializer(database: database, schemas: schemas, traitNulls: traitNulls).run()
    }

    /// segment_id → canonical_segment_id from the materialized id_graph.
    func canonicals() throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try database.rows("SELECT segment_id, canonical_segment_id FROM \(table: QualifiedName(schemas.target, TableName.idGraph))") {
            result[row[0].stringValue ?? ""] = row[1].stringValue
        }
        return result
    }

    /// Every row of a materialized table but `etl_ts`, columns by name, rows by key.
    func contents(_ schema: String, _ table: String) throws -> (columns: [String], rows: [[SQLValue]]) {
        let columns = try database.columns(QualifiedName(schema, table)).filter { $0 != "etl_ts" }.sorted()
        let rows = try database.rows("SELECT \(sql: columns.map(SQL.identifier).joined(separator: ", ")) FROM \(table: QualifiedName(schema, table)) ORDER BY \(ident: TableName.materializedKeys[table] ?? "segment_id")").map(\.values)
        return (columns, rows)
    }

    /// Records an issue for each of the three tables whose rows in `schema` differ from those in
    /// `expected` (all but `etl_ts`), with a few of the differing rows.
    func expectSameTables(_ schema: String, as expected: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for table in TableName.materializedTables {
            let actual = try contents(schema, table), wanted = try contents(expected, table)
            #expect(actual.columns == wanted.columns, "\(context): \(table) columns", sourceLocation: sourceLocation)
            guard actual.rows != wanted.rows else { continue }
            let extra = actual.rows.filter { !wanted.rows.contains($0) }.prefix(3)
            let missing = wanted.rows.filter { !actual.rows.contains($0) }.prefix(3)
            Issue.record("\(context): \(table) differs from \(expected) (\(actual.rows.count) vs \(wanted.rows.count) rows; columns \(actual.columns)); only in \(schema): \(Array(extra)); only in \(expected): \(Array(missing))", sourceLocation: sourceLocation)
        }
    }

    func check(_ configuration: Configuration = Configuration(baseDirectory: URL(fileURLWithPath: "/nonexistent")), showValues: Bool = false, now: Date = Date(), selection: [String]? = nil) throws -> CheckRun {
        let context = CheckContext(database: database, schemas: schemas, settings: configuration.checkSettings, showValues: showValues, now: now)
        return try CheckRunner(context: context).run(selection: selection)
    }
}

extension CheckRun {
    func result(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CheckResult {
        try #require(results.first(where: { $0.id == id }), "no result for \(id)", sourceLocation: sourceLocation)
    }
}
