import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthMaterialize
@testable import IDHealthGenerate
@testable import IDHealthChecks

/// Redshift's dialect where it differs from PostgreSQL's in what it does, not only in how it
/// is spelled: the lock is a row, there are no indexes, temporary tables go by bare names,
/// view mode is refused. The suites that take `TestDatabase.engines` run everything else
/// on the PostgreSQL server in Redshift's dialect, linted statement by statement
/// (``RedshiftLint``).
@Suite("Redshift dialect")
struct RedshiftDialectTests {
    @Test("the lock is a row: a second taker is told who holds it and how to clear it; an expired row is taken over")
    func lockRow() throws {
        try TestDatabase.with(.redshift) { test in
            let url = try #require(TestDatabase.postgresURL)
            let other = try PostgresDatabase(conninfo: url + "?sslmode=disable", dialect: .redshift)
            let schema = test.schemas.target
            #expect(try test.database.tryLock("materialize:x", schema: schema, holder: "first run") == .acquired)
            guard case .heldBy(let holder) = try other.tryLock("materialize:x", schema: schema, holder: "second run") else {
                Issue.record("a second taker got the lock")
                return
            }
            #expect(holder.contains("`first run`"), "\(holder)")
            #expect(holder.contains("\(schema).idhealth_lock"), "\(holder)")
            #expect(holder.contains(#"DELETE FROM "\#(schema)"."idhealth_lock" WHERE name = 'materialize:x'"#), "\(holder)")
            // Another lock name is another lock.
            #expect(try other.tryLock("materialize:y", schema: schema, holder: "second run") == .acquired)
            try other.unlock("materialize:y", schema: schema)

            // A row whose process is gone holds until it expires, then the next taker has it.
            other.lockTable.now = { Date().addingTimeInterval(LockTable.lease + 60) }
            #expect(try other.tryLock("materialize:x", schema: schema, holder: "later run") == .acquired)
            let holders = try other.rows("SELECT holder FROM \(table: QualifiedName(schema, LockTable.tableName))").map { $0[0].stringValue }
            #expect(holders == ["later run"])
            try other.unlock("materialize:x", schema: schema)
            #expect(try other.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(schema, LockTable.tableName))").intValue == 0)
        }
    }

    @Test("a lock that had to create the target schema leaves nothing behind once released")
    func lockLeavesNothing() throws {
        try TestDatabase.with(.redshift) { test in
            let schema = try test.extraSchema("fresh")
            try test.database.execute("DROP SCHEMA \(ident: schema)")
            #expect(try test.database.tryLock("materialize:" + schema, schema: schema, holder: "run") == .acquired)
            #expect(try test.database.tableExists(QualifiedName(schema, LockTable.tableName)))
            try test.database.unlock("materialize:" + schema, schema: schema)
            #expect(try !test.database.schemaExists(schema))
        }
    }

    @Test("a first run refused for bad input leaves no schema behind, as on every engine")
    func refusedRunLeavesNothing() throws {
        try TestDatabase.with(.redshift) { test in
            try test.createGraph([("a", "a", 1)])
            try test.createEmptyExternalAndTraits()
            try test.database.execute("INSERT INTO \(table: test.schemas.source(TableName.idGraphUpdates)) (segment_id, canonical_segment_id, seq) VALUES ('b', NULL, 2)")
            let target = try test.extraSchema("current")
            try test.database.execute("DROP SCHEMA \(ident: target)")
            let error = #expect(throws: InputError.self) {
                try Materializer(database: test.database, schemas: Schemas(source: test.schemas.source, target: target)).run(mode: .table)
            }
            #expect(error?.message.contains("NULL in key column canonical_segment_id") == true, "\(error?.message ?? "")")
            #expect(try !test.database.schemaExists(target))
        }
    }

    @Test("no index is made, temporary tables go by bare names, and the tables are still right")
    func noIndexes() throws {
        try TestDatabase.with(.redshift) { test in
            try MaterializationModeTests.seed(test)
            _ = try Materializer(database: test.database, schemas: test.schemas).run(mode: .table)
            _ = try Materializer(database: test.database, schemas: test.schemas, etlOverlapHours: 0).run(mode: .incremental)
            _ = try test.check()
            #expect(try test.database.scalar("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = \(bind: .text(test.schemas.target))").intValue == 0)
            #expect(try test.canonicals() == ["a": "a", "b": "a", "c": "c"])
        }
    }

    @Test("checks read their offenders in the query's order: no numbered copy of them on Redshift, one on PostgreSQL", arguments: [Dialect.Engine.postgres, .redshift])
    func offendersInOrder(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            _ = try ProfilesSyncGenerator(profiles: 300, seed: 3, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let recorder = RecordingDatabase(base: test.database)
            let context = CheckContext(database: recorder, schemas: test.schemas, settings: Configuration(baseDirectory: test.directory).checkSettings)
            let run = try CheckRunner(context: context).run()
            let kept = recorder.statements.filter { $0.contains("idhealth_offenders_") && $0.hasPrefix("CREATE") }
            #expect(kept.isEmpty == (engine == .redshift), "\(kept.count) kept-offender tables")
            #expect(try run.result("merge_chains").value == 9)
        }
    }

    @Test("view mode is refused with the reason: Redshift's recursive queries take UNION ALL only")
    func viewModeRefused() throws {
        try TestDatabase.with(.redshift) { test in
            try MaterializationModeTests.seed(test)
            let error = #expect(throws: ConfigError.self) {
                try Materializer(database: test.database, schemas: test.schemas).run(mode: .view)
            }
            #expect(error?.message.contains("UNION ALL only") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("--mode table") == true)
            #expect(try !test.database.tableExists(test.schemas.target(TableName.idGraph)))
        }
    }

    @Test("the lint names what Redshift lacks in PostgreSQL's own statements, and passes Redshift's")
    func lintCanFail() throws {
        let table = QualifiedName("s", "t")
        // Statements each dialect builds its own way: PostgreSQL's are flagged, Redshift's not
        // (Redshift has no index to create at all).
        let built: [((Dialect) -> SQL?, String)] = [
            ({ $0.createIndex("i", on: table, columns: ["a"]) }, "CREATE INDEX"),
            ({ _ in "SELECT \(sql: .minusHours("x", 2))" }, "make_interval"),
            ({ _ in "SELECT \(sql: .expression(.sha1Hex("x", functionSchema: "public")))" }, "pgcrypto"),
            ({ "CREATE TABLE \(table: QualifiedName($0.temporarySchema, "w")) AS SELECT 1 AS a" }, "a schema-qualified temporary table"),
            ({ $0.tablesQuery(schema: $0.temporarySchema, prefix: "x") }, "pg_my_temp_schema"),
            ({ _ in "SELECT CAST(x AS \(type: .text))" }, "TEXT (Redshift's TEXT is VARCHAR(256))"),
        ]
        for (build, construct) in built {
            let postgres = try #require(build(.postgres))
            #expect(RedshiftLint.violations(Dialect.postgres.render(postgres).text).contains(construct), "\(construct)")
            if let redshift = build(.redshift) {
                #expect(RedshiftLint.violations(Dialect.redshift.render(redshift).text).isEmpty, "\(construct) in Redshift's rendering: \(Dialect.redshift.render(redshift).text)")
            }
        }
        #expect(RedshiftLint.violations(Dialect.postgres.render("WITH x AS \(sql: Dialect.postgres.materializedCTE)(SELECT 1) SELECT * FROM x").text) == ["MATERIALIZED common table expressions"])
        #expect(RedshiftLint.violations(Dialect.redshift.render("WITH x AS \(sql: Dialect.redshift.materializedCTE)(SELECT 1) SELECT * FROM x").text).isEmpty)
        // SQL text that no dialect changes.
        let written: [(String, String)] = [
            ("WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n FROM r) SELECT n FROM r", "UNION in a recursive query"),
            ("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", "ON CONFLICT"),
            ("SELECT COUNT(*) FILTER (WHERE a) FROM t", "FILTER (WHERE …)"),
            ("COPY t (a) FROM STDIN", "COPY … FROM STDIN"),
            ("SELECT pg_try_advisory_lock(1, 2)", "advisory locks"),
            (#"SELECT 1 WHERE a LIKE 'x\_%' ESCAPE '\'"#, "a backslash in a string literal (Redshift reads it as an escape)"),
        ]
        for (text, construct) in written {
            #expect(RedshiftLint.violations(text) == [construct])
        }
        #expect(RedshiftLint.violations("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r").isEmpty)
        #expect(RedshiftLint.violations("SELECT 'CREATE INDEX x ON y' AS v").isEmpty, "a string literal is not SQL")
    }

    @Test("a Redshift connection requires TLS unless the connection string says otherwise")
    func tlsByDefault() throws {
        let url = try #require(TestDatabase.postgresURL)
        // The test server has no TLS: the default refuses it, an explicit sslmode is honoured.
        let error = #expect(throws: DatabaseError.self) { try PostgresDatabase(conninfo: url, dialect: .redshift) }
        #expect(error?.message.contains("SSL") == true, "\(error?.message ?? "")")
        #expect(try PostgresDatabase(conninfo: url + "?sslmode=disable", dialect: .redshift).dialect == .redshift)
        #expect(try PostgresDatabase(conninfo: url).dialect == .postgres, "PostgreSQL keeps libpq's default")
    }

    @Test("Redshift's spellings: temporary tables, intervals, hours, SHA-1, text")
    func spellings() {
        let d = Dialect.redshift
        let temporary = QualifiedName(d.temporarySchema, "w")
        #expect(d.render("CREATE TABLE \(table: temporary) AS SELECT 1 AS a").text == #"CREATE TEMP TABLE "w" AS SELECT 1 AS a"#)
        #expect(d.render("DROP TABLE IF EXISTS \(table: temporary)").text == #"DROP TABLE IF EXISTS "w""#)
        #expect(d.render(d.createTable(temporary, columns: [ColumnDefinition("a", .text)], ifNotExists: true)).text == #"CREATE TEMP TABLE IF NOT EXISTS "w" ("a" VARCHAR(65535))"#)
        #expect(d.render("SELECT \(sql: .minusHours("x", 2))").text == "SELECT ((x) - INTERVAL '7200 seconds')")
        #expect(d.render("SELECT \(sql: .hoursBetween("a", and: "b"))").text == "SELECT ((EXTRACT(EPOCH FROM b) - EXTRACT(EPOCH FROM a)) / 3600.0)")
        #expect(d.render("SELECT \(sql: .expression(.sha1Hex("x", functionSchema: nil)))").text == "SELECT FUNC_SHA1(CAST(x AS VARCHAR(65535)))")
        #expect(d.conform("v", declared: "numeric(12,4)") == "v", "a bare NUMERIC is NUMERIC(18,0) on Redshift: no cast")
        #expect(d.columnName("SEQ", is: "seq"), "Redshift folds names to lower case")
        #expect(Dialect(named: "Redshift") == .redshift)
        #expect(Dialect(named: "snowflake") == .snowflake)
        #expect(Dialect(named: "oracle") == nil)
    }
}
