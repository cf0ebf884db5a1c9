import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// docs/semantics.md, "Atomic and locked": every run is atomic and two runs never interleave.
///
/// The real binary is killed with SIGKILL before its N-th SQL statement
/// (`IDHEALTH_KILL_AT_STATEMENT`, see Sources/idhealth/FaultInjection.swift) at points spread
/// over a whole materialization, in table mode and in incremental mode; after every kill the
/// previous tables must be there, readable and unchanged, and the run that finally completes
/// must give the tables of an uninterrupted run.
@Suite("Atomic and locked")
struct AtomicityTests {
    @Test("SIGKILL anywhere in a materialization leaves the previous tables; the next run converges",
          arguments: CLI.connections)
    func killAnywhere(engine: Dialect.Engine, transport: CLI.Transport) throws {
        try Place.with(engine, transport: transport) { place in
            try place.generate(profiles: 300)
            let held = try place.holdBackLatestRows()
            #expect(try place.materialize([]).status == 0)

            // Table mode: half the held rows land and a profile is deleted upstream.
            try place.land(held.first)
            try place.deleteOneProfile()
            try place.materializeReference()
            let tableKills = try place.killLoop(mode: "table", stride: 4)
            #expect(tableKills >= 20, "killed a table-mode run at \(tableKills) points")

            // Incremental mode: the other half lands and another profile is deleted.
            try place.land(held.second)
            try place.deleteOneProfile()
            try place.materializeReference()
            let incrementalKills = try place.killLoop(mode: "incremental", stride: 3)
            #expect(incrementalKills >= 20, "killed an incremental run at \(incrementalKills) points")
            print("kill test on \(engine.displayName)\(transport): \(tableKills) kills before the commit of a table-mode run, \(incrementalKills) of an incremental run")
        }
    }

    @Test("a second materialization stops naming the lock holder, or waits for it with --lock-wait",
          arguments: CLI.connections)
    func lock(engine: Dialect.Engine, transport: CLI.Transport) throws {
        try Place.with(engine, transport: transport) { place in
            try place.generate(profiles: 200)
            let release = place.directory.appendingPathComponent("release")
            let first = try place.start(["materialize", "--mode", "table"], environment: [
                "IDHEALTH_PAUSE_AT_STATEMENT": "8", "IDHEALTH_PAUSE_RELEASE_FILE": release.path,
            ])
            try first.waitForStderr(containing: "paused at statement 8")

            let second = try place.materialize(["--mode", "table"])
            #expect(second.status == 3)
            #expect(second.stderr.contains("another materialization of schema \(place.schema) is running"), "\(second.stderr)")
            #expect(second.stderr.contains("idhealth materialize pid \(first.process.processIdentifier) since "), "the holder is named: \(second.stderr)")
            #expect(second.stderr.range(of: #"pid [0-9]+ since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC"#, options: .regularExpression) != nil,
                    "the holder's start is a time with its zone: \(second.stderr)")
            #expect(try place.runCount() == 0, "the stopped run wrote nothing")

            let waiting = try place.start(["materialize", "--mode", "table", "--lock-wait", "60"])
            try waiting.waitForStderr(containing: "waiting up to 60 s for the materialization lock held by")
            FileManager.default.createFile(atPath: release.path, contents: nil)
            #expect(try first.finish().status == 0)
            let waited = try waiting.finish()
            #expect(waited.status == 0, "\(waited.stderr)")
            #expect(try place.runCount() == 2, "one after the other, both recorded")
        }
    }

    /// A database and schema for one test, reached through the command line.
    struct Place {
        let database: any Database
        let location: String
        let schema: String
        let directory: URL
        var d: Dialect { database.dialect }

        /// `transport`: the command line reaches the PostgreSQL server through psqlODBC, or the
        /// SQLite file through libsqliteodbc (`--database odbc:…`), or the server through the
        /// ADBC PostgreSQL driver (`--database adbc:postgresql://…`), and so does this side of
        /// the test.
        static func with(_ engine: Dialect.Engine, transport: CLI.Transport = .native, _ body: (Place) throws -> Void) throws {
            let odbc = transport == .odbc
            try CLI.withDirectory { directory in
                switch engine {
                case .sqlite:
                    let path = directory.appendingPathComponent("graph.sqlite").path
                    let connection = "Driver=SQLite3;Database=\(path)"
                    let database: any Database = odbc ? try ODBC.connect(connectionString: connection, dialect: nil, create: true) : try SQLiteDatabase(path: path)
                    try body(Place(database: database, location: odbc ? "odbc:" + connection : path, schema: "main", directory: directory))
                case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                    let url = try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
                    let schema = "kill_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
                    let connection = try CLI.odbcConnectionString(postgresURL: url)
                    let location = transport == .odbc ? "odbc:" + connection : transport == .adbc ? "adbc:" + url : url
                    let database: any Database = transport == .native ? try PostgresDatabase(conninfo: url) : try DatabaseLocation(location).connect()
                    defer {
                        for name in [schema, schema + "_ref"] { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: name) CASCADE") }
                    }
                    try body(Place(database: database, location: location, schema: schema, directory: directory))
                }
            }
        }

        var referenceSchema: String { database.dialect.engine == .sqlite ? "ref" : schema + "_ref" }

        func arguments(_ extra: [String], target: String? = nil) -> [String] {
            ["--database", location, "--source-schema", schema, "--target-schema", target ?? schema] + extra
        }

        func generate(profiles: Int, anomalies: String = "default") throws {
            let output = try CLI.run(["generate"] + arguments(["--profiles", String(profiles), "--anomalies", anomalies]), in: directory)
            #expect(output.status == 0, "\(output.stderr)")
        }

        func materialize(_ extra: [String], environment: [String: String] = [:]) throws -> CLI.Output {
            try CLI.run(["materialize"] + arguments(extra), in: directory, environment: environment)
        }

        /// A full rebuild of the current raw tables into the reference schema: what an
        /// uninterrupted run must give.
        func materializeReference() throws {
            let output = try CLI.run(["materialize"] + arguments(["--mode", "table"], target: referenceSchema), in: directory)
            #expect(output.status == 0, "\(output.stderr)")
        }

        func raw(_ table: String) -> QualifiedName { QualifiedName(schema, table) }
        func held(_ table: String) -> QualifiedName { QualifiedName(schema, "held_" + table) }

        /// Moves the rows that landed last (about a quarter of each raw table) aside, in two
        /// halves by landing time, so they can land later.
        func holdBackLatestRows() throws -> (first: SQL, second: SQL) {
            let count = try database.scalar("SELECT COUNT(*) FROM \(table: raw(TableName.idGraphUpdates))").intValue ?? 0
            func cutoff(_ offset: Int64) throws -> String {
                try database.scalar("SELECT \(sql: .timestampText("uuid_ts")) FROM \(table: raw(TableName.idGraphUpdates)) ORDER BY uuid_ts DESC LIMIT 1 OFFSET \(bind: .integer(offset))").stringValue ?? ""
            }
            let older = try cutoff(count / 4), newer = try cutoff(count / 8)
            for table in TableName.rawTables {
                try database.execute("CREATE TABLE \(table: held(table)) AS SELECT * FROM \(table: raw(table)) WHERE uuid_ts > \(sql: .timestamp(bind: older))")
                try database.execute("DELETE FROM \(table: raw(table)) WHERE uuid_ts > \(sql: .timestamp(bind: older))")
            }
            return ("uuid_ts <= \(sql: .timestamp(literal: newer))", "uuid_ts > \(sql: .timestamp(literal: newer))")
        }

        func land(_ condition: SQL) throws {
            for table in TableName.rawTables {
                try database.execute("INSERT INTO \(table: raw(table)) SELECT * FROM \(table: held(table)) WHERE \(sql: condition)")
            }
        }

        /// Deletes every raw row of one merged profile (its canonical and members), as
        /// Segment does for a GDPR request.
        func deleteOneProfile() throws {
            let graph = QualifiedName(schema, TableName.idGraph)
            let profile = try #require(try database.scalar("""
                SELECT canonical_segment_id FROM \(table: graph) WHERE canonical_segment_id <> segment_id
                GROUP BY canonical_segment_id ORDER BY COUNT(*) DESC, canonical_segment_id LIMIT 1
                """).stringValue)
            let members = try database.rows("SELECT segment_id FROM \(table: graph) WHERE canonical_segment_id = \(bind: .text(profile))").compactMap { $0[0].stringValue }
            for table in TableName.rawTables {
                for member in members {
                    try database.execute("DELETE FROM \(table: raw(table)) WHERE segment_id = \(bind: .text(member))")
                }
            }
        }

        /// All rows of the three tables, columns by name; without `etl_ts` to compare with
        /// another run's.
        func contents(_ target: String, etl: Bool) throws -> [String: [[SQLValue]]] {
            try database.useSchema(target, create: false)
            var result: [String: [[SQLValue]]] = [:]
            for table in TableName.materializedTables {
                let columns = try database.columns(QualifiedName(target, table)).filter { etl || $0 != "etl_ts" }.sorted()
                result[table] = try database.rows("SELECT \(sql: columns.map(SQL.identifier).joined(separator: ", ")) FROM \(table: QualifiedName(target, table)) ORDER BY \(ident: TableName.materializedKeys[table] ?? "")").map(\.values)
            }
            return result
        }

        func runCount() throws -> Int64 {
            guard try database.tableExists(QualifiedName(schema, TableName.runs)) else { return 0 }
            return try database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(schema, TableName.runs))").intValue ?? 0
        }

        func leftoverTables() throws -> [String] {
            let sql: SQL = d.engine == .sqlite
                ? "SELECT name FROM sqlite_master WHERE name LIKE 'idhealth_work_%' OR name LIKE 'idhealth_stage_%'"
                : "SELECT tablename FROM pg_tables WHERE schemaname = \(bind: .text(schema)) AND (tablename LIKE 'idhealth_work_%' OR tablename LIKE 'idhealth_stage_%')"
            return try database.rows(sql).compactMap { $0[0].stringValue }
        }

        /// Kills `materialize --mode MODE` before its 1st, (1+stride)th, … statement. Before
        /// the swap commits, a kill must leave the tables exactly as they were and no run
        /// recorded; after it, the run is complete (its cleanup was cut short). Then one more
        /// run must give the tables of an uninterrupted run and leave no work tables behind.
        /// Returns the number of kills before the commit.
        func killLoop(mode: String, stride: Int) throws -> Int {
            let before = try contents(schema, etl: true)
            let runsBefore = try runCount()
            var kills = 0
            var statement = 1
            while true {
                let output = try materialize(["--mode", mode, "--lock-wait", "60"], environment: ["IDHEALTH_KILL_AT_STATEMENT": String(statement)])
                guard output.signaled else {
                    #expect(output.status == 0, "\(mode) run with a kill point past its end: \(output.stderr)")
                    break
                }
                #expect(output.status == 9, "killed by SIGKILL")
                if try runCount() > runsBefore {
                    #expect(try runCount() == runsBefore + 1)
                    #expect(try contents(schema, etl: false) == contents(referenceSchema, etl: false), "\(mode): killed after the commit, before statement \(statement)")
                    break
                }
                kills += 1
                #expect(try contents(schema, etl: true) == before, "\(mode): killed before statement \(statement), the previous tables changed")
                statement += stride
                if kills > 200 { Issue.record("\(mode) never completed"); break }
            }
            let next = try materialize(["--mode", mode])
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try contents(schema, etl: false) == contents(referenceSchema, etl: false), "\(mode): the run after \(kills) kills differs from an uninterrupted run")
            #expect(try leftoverTables().isEmpty, "\(mode): work or staging tables left behind")
            return kills
        }

        /// Starts the binary without waiting for it.
        func start(_ command: [String], environment: [String: String] = [:]) throws -> CLI.Running {
            try CLI.start([command[0]] + arguments(Array(command.dropFirst())), in: directory, environment: environment)
        }
    }

}
