import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL

/// The ODBC connection (`--database odbc:…`) through a real driver, psqlODBC from Debian, to
/// the test PostgreSQL server: values bound and read back exactly, rows streamed and stopped
/// early, long values read in pieces, scripts split, a statement cancelled from another
/// thread, and errors that keep SQLSTATE and statement but never a secret. (The golden,
/// truth, incremental-property and kill suites also run through it: `TestDatabase.places`,
/// `CLI.connections`.)
/// Reads three rows of a query of millions and stops: streamed, the reader has them in
/// seconds and the rest are never fetched.
func expectFirstRowsSoon(_ database: any Database, _ query: SQL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var seen = 0
    let started = Date()
    try database.forEachRow(query) { _ in
        seen += 1
        return seen < 3
    }
    #expect(seen == 3, sourceLocation: sourceLocation)
    #expect(Date().timeIntervalSince(started) < 15, "rows are not streamed: \(Date().timeIntervalSince(started)) s for the first three", sourceLocation: sourceLocation)
}

@Suite("ODBC")
struct ODBCTests {
    func connect() throws -> any Database {
        let url = try #require(TestDatabase.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
        return try ODBC.connect(connectionString: try TestDatabase.odbcConnectionString(postgresURL: url), dialect: nil)
    }

    @Test("the driver's DBMS name picks the dialect; values go in as typed parameters and come back as they were")
    func roundTrip() throws {
        let database = try connect()
        #expect(database.dialect == .postgres)
        // Named as the native connection names it: user, host, port and database.
        let url = try #require(URLComponents(string: TestDatabase.postgresURL ?? ""))
        #expect(database.target == "odbc:postgresql://\(url.user ?? "")@\(url.host ?? ""):\(url.port ?? 5432)\(url.path)", "\(database.target)")
        #expect(!database.target.contains(try #require(URLComponents(string: TestDatabase.postgresURL ?? "")?.password)), "no password in the target")
        let text = "it's “quoted”, a \\ backslash; and ? a marker"
        let row = try #require(try database.firstRow("""
            SELECT \(bind: .text(text)) AS t, CAST(\(bind: .integer(9_007_199_254_740_993)) AS bigint) AS i, CAST(\(bind: .real(0.25)) AS double precision) * 2 AS r,
                   CAST(\(bind: .null) AS text) AS n, \(bind: .integer(7)) = \(bind: .integer(7)) AS same, repeat('x', 20000) AS long
            """))
        #expect(row["t"] == .text(text))
        #expect(row["i"] == .integer(9_007_199_254_740_993))
        #expect(row["r"] == .real(0.5))
        #expect(row["n"] == .null)
        #expect(row["same"].intValue == 1)
        #expect(row["long"].stringValue?.count == 20_000, "a value longer than one read is read whole")
        // A timestamp compared with a bound text, as the materialization does.
        #expect(try database.scalar("SELECT COUNT(*) FROM (SELECT TIMESTAMP '2026-01-02 03:04:05' AS t) x WHERE x.t <= CAST(\(bind: .text("2026-01-02 03:04:05")) AS timestamp)").intValue == 1)
    }

    @Test("rows stream and stop when the reader has enough; a script runs statement by statement")
    func streamingAndScripts() throws {
        let database = try connect()
        try expectFirstRowsSoon(database, "SELECT g FROM generate_series(1, 5000000) g")
        let schema = "odbc_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        defer { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE") }
        try database.executeScript(SQL(unsafeRaw: """
            CREATE SCHEMA \(schema); -- a comment; with a semicolon
            CREATE TABLE \(schema).t (v text);
            /* a block; comment */ INSERT INTO \(schema).t VALUES ('a;b'), ('c''d;');
            """))
        #expect(try database.rows("SELECT v FROM \(table: QualifiedName(schema, "t")) ORDER BY v").map { $0["v"] } == [.text("a;b"), .text("c'd;")])
        #expect(ScriptSplitter.statements("SELECT 1; -- only a comment;\n ;  SELECT ';'").count == 2)
    }

    @Test("a transaction holds together through the driver: rolled back, nothing is left")
    func transactions() throws {
        let database = try connect()
        let schema = "odbc_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try database.execute("CREATE SCHEMA \(ident: schema)")
        defer { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE") }
        let table = QualifiedName(schema, "t")
        struct Planned: Error {}
        #expect(throws: Planned.self) {
            try database.inTransaction {
                try database.execute("CREATE TABLE \(table: table) (v text)")
                // Another session does not see it before the commit.
                #expect(try !connect().tableExists(table))
                throw Planned()
            }
        }
        #expect(try !database.tableExists(table))
        try database.inTransaction { try database.execute("CREATE TABLE \(table: table) (v text)") }
        #expect(try connect().tableExists(table))
    }

    @Test("a running statement is cancelled from another thread")
    func cancel() throws {
        let database = try connect()
        let interrupter = database.interrupter()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { interrupter.interrupt() }
        let started = Date()
        let error = #expect(throws: DatabaseError.self) { try database.execute("SELECT pg_sleep(30)") }
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(error?.code == "57014", "\(String(describing: error))")
        #expect(try database.scalar("SELECT 1").intValue == 1, "the connection is still usable")
    }

    @Test("errors keep the SQLSTATE and the statement; a secret of the connection string is never printed; a wrong form is exit 2")
    func errors() throws {
        let database = try connect()
        let error = #expect(throws: DatabaseError.self) { try database.execute("SELECT * FROM no_such_table_here") }
        #expect(error?.code == "42P01")
        #expect(error?.message.contains("no_such_table_here") == true, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("[") == false, "the driver manager's prefixes are dropped: \(String(describing: error))")
        #expect(error?.sql?.contains("no_such_table_here") == true)

        let refused = #expect(throws: DatabaseError.self) {
            try ODBC.connect(connectionString: "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=1;UID=u;PWD=hunter2-secret", dialect: nil)
        }
        #expect(refused?.code.hasPrefix("08") == true, "\(String(describing: refused))")
        #expect(refused.map { !"\($0)".contains("hunter2-secret") } == true)
        // The string names no engine until the driver answers: its failure is ODBC's, and a
        // DSN unixODBC does not know is the command's mistake (exit 2), not the database's.
        #expect(refused.map { "\($0)".hasPrefix("ODBC error 08") } == true, "\(String(describing: refused))")
        let unknown = #expect(throws: ConfigError.self) {
            try ODBC.connect(connectionString: "DSN=idhealth_no_such_dsn;PWD=hunter2-secret", dialect: nil)
        }
        #expect(unknown.map { $0.message.contains("does not know") && !$0.message.contains("hunter2-secret") } == true, "\(String(describing: unknown))")
        #expect(ODBCConnectionString.redact("bad PWD=s3cr;et and token abc", connectionString: "DSN=x;PWD={s3cr;et};Token=abc") == "bad PWD=*** and token ***")

        #expect(throws: ConfigError.self) { try DatabaseLocation("odbc:warehouse") }
        let snowflake = #expect(throws: ConfigError.self) {
            try DatabaseLocation("odbc:DSN=snowflake").connect(dialect: .snowflake)
        }
        #expect(snowflake?.message.contains("through ODBC in this version") == true, "\(String(describing: snowflake))")
    }
}

/// A SQLite file through the SQLite ODBC driver from Debian (libsqliteodbc): the driver opens
/// the file with the system libsqlite3, where idhealth's SHA-1 and `regexp` are registered
/// for it; values, streaming, transactions, cancelling and errors as through psqlODBC.
@Suite("ODBC to SQLite")
struct ODBCSQLiteTests {
    func withFile(_ body: (any Database, String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-odbc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("graph.sqlite").path
        try body(try ODBC.connect(connectionString: TestDatabase.odbcConnectionString(sqlitePath: path), dialect: nil, create: true), path)
    }

    @Test("the driver's DBMS name picks SQLite; idhealth's functions are in the driver's connection; declared types come back typed")
    func roundTrip() throws {
        try withFile { database, path in
            #expect(database.dialect == .sqlite)
            #expect(database.target == "odbc:sqlite:" + SQLiteDatabase.resolved(path))
            #expect(try database.scalar("PRAGMA journal_mode").stringValue == "wal", "the session is set up as the native one")
            #expect(try database.scalar("SELECT idhealth_sha1(\(bind: .text("email") ))").stringValue == SHA1Hex.digest("email"))
            #expect(try database.scalar("SELECT \(bind: .text("a1")) REGEXP \(bind: .text("^[a-z][0-9]$"))").intValue == 1)
            try database.execute("CREATE TABLE t (i BIGINT, r REAL, s TEXT, n TEXT)")
            let text = "it's “quoted”, a \\ backslash; and ? a marker " + String(repeating: "x", count: 20_000)
            try database.execute("INSERT INTO t VALUES (\(bind: .integer(9_007_199_254_740_993)), \(bind: .real(0.25)), \(bind: .text(text)), \(bind: .null))")
            let row = try #require(try database.firstRow("SELECT i, r, s, n FROM t"))
            #expect(row["i"] == .integer(9_007_199_254_740_993))
            #expect(row["r"] == .real(0.25))
            #expect(row["s"] == .text(text), "a value longer than one read is read whole")
            #expect(row["n"] == .null)
            // The file is an ordinary SQLite database: the native connection reads the same row.
            #expect(try SQLiteDatabase(path: path, create: false).scalar("SELECT i FROM t") == .integer(9_007_199_254_740_993))
        }
    }

    @Test("rows stream and stop when the reader has enough; a rolled-back transaction leaves nothing; a running statement is cancelled")
    func streamingTransactionsCancel() throws {
        try withFile { database, path in
            // 50 million rows: the driver steps the statement, it does not read every row first.
            try expectFirstRowsSoon(database, "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 50000000) SELECT n FROM g")

            struct Planned: Error {}
            #expect(throws: Planned.self) {
                try database.inTransaction {
                    try database.execute("CREATE TABLE t (v TEXT)")
                    throw Planned()
                }
            }
            #expect(try !database.tableExists(QualifiedName("main", "t")))
            try database.inTransaction { try database.execute("CREATE TABLE t (v TEXT)") }
            #expect(try SQLiteDatabase(path: path, create: false).tableExists(QualifiedName("main", "t")), "committed for every connection")

            let interrupter = database.interrupter()
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { interrupter.interrupt() }
            let cancelled = Date()
            let error = #expect(throws: DatabaseError.self) {
                try database.scalar("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000000000) SELECT COUNT(*) FROM g")
            }
            #expect(Date().timeIntervalSince(cancelled) < 15, "\(String(describing: error))")
            #expect(try database.scalar("SELECT 1").intValue == 1, "the connection is still usable")
        }
    }

    @Test("errors keep the statement and the driver's message; a connection string that would read whole results into memory is refused")
    func errors() throws {
        #expect(try ODBCConnectionString.sqliteOptions("Driver=SQLite3;Database=/x.db") == "Driver=SQLite3;Database=/x.db;StepAPI=1;Timeout=15000")
        #expect(try ODBCConnectionString.sqliteOptions("DSN=graph;timeout=500;") == "DSN=graph;timeout=500;StepAPI=1")
        let refused = #expect(throws: ConfigError.self) { try ODBC.connect(connectionString: "Driver=SQLite3;Database=/tmp/idhealth-never.sqlite;StepAPI=0", dialect: .sqlite) }
        #expect(refused?.message.contains("StepAPI=0") == true, "\(String(describing: refused))")
        try withFile { database, _ in
            let error = #expect(throws: DatabaseError.self) { try database.execute("SELECT * FROM no_such_table_here") }
            #expect(error?.message.contains("no such table: no_such_table_here") == true, "\(String(describing: error))")
            #expect(error?.message.hasPrefix("[") == false, "the driver manager's prefixes are dropped: \(String(describing: error))")
            #expect(error?.sql?.contains("no_such_table_here") == true)
        }
    }
}
