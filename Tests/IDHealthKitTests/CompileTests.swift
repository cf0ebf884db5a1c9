import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// `idhealth compile`: the files, run in order by the engine alone, build the tables a
/// materialization builds.
@Suite("Compile")
struct CompileTests {
    @Test("the compiled table mode, run file by file, gives exactly the tables a materialization gives", arguments: TestDatabase.engines)
    func compiledEqualsMaterialized(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            // Generated history with every injected anomaly: chains, cycles, dangling pointers.
            _ = try ProfilesSyncGenerator(profiles: 1_500, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            let live = try test.extraSchema("live"), compiled = try test.extraSchema("compiled")
            let summary = try Materializer(database: test.database, schemas: Schemas(source: test.schemas.source, target: live)).run(mode: .table)
            #expect(summary.resolution["cycle"] == 2, "the data has cycles to resolve")

            let traits = try Compilation.traitColumns(of: test.database, schema: test.schemas.source)
            let folder = test.directory.appendingPathComponent("compiled")
            let compilation = Compilation(dialect: test.database.dialect, schemas: Schemas(source: test.schemas.source, target: compiled), traitColumns: traits, traitNulls: .keepLastValue)
            let files = try compilation.write(to: folder, mode: .table, toolVersion: "test")
            #expect(files.map(\.file) == ["01_prepare.sql", "02_resolve.sql", "03_id_graph.sql", "04_external_id_mapping.sql", "05_profile_traits.sql", "06_swap.sql", "07_cleanup.sql"]
                    + Self.compiledCheckIDs.enumerated().map { String(format: "%02d_check_%@.sql", $0.offset + 8, $0.element) })
            // Twice: the second run replaces what the first built, as a nightly schedule would.
            for _ in 0..<2 {
                for file in files {
                    let text = try String(contentsOf: folder.appendingPathComponent(file.file), encoding: .utf8)
                    #expect(!text.contains("$1") && !text.contains("?1"), "\(file.file) binds nothing")
                    try test.database.executeScript(SQL(unsafeRaw: text))
                }
            }
            try test.expectSameTables(compiled, as: live, "compiled \(engine.rawValue)")
            // Each check's verdict, run by the engine alone, is what idhealth check finds.
            let run = try CheckRunner(context: CheckContext(database: test.database, schemas: Schemas(source: test.schemas.source, target: live), settings: CheckSettings())).run()
            let verdicts = try Self.verdicts(of: files, in: folder, on: test.database)
            try Self.expectSameVerdicts(verdicts, as: run, "compiled \(engine.rawValue)")
            // The anomalies give most checks something to find (the comparison is not of zeros).
            let found = verdicts.filter { ($0.value.value ?? 0) > 0 }.keys.sorted()
            #expect(found == Self.compiledCheckIDs.sorted(), "\(verdicts)")
            // Nothing but the tables is left behind.
            let work = WorkTables(database: test.database, schema: compiled, token: "x")
            #expect(try work.tables(in: compiled, prefix: WorkTables.workPrefix).isEmpty)
            #expect(try work.tables(in: compiled, prefix: WorkTables.stagePrefix).isEmpty)

            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json"))) as? [String: Any]
            #expect(manifest?["dialect"] as? String == engine.rawValue)
            #expect((manifest?["trait_columns"] as? [Any])?.count == traits.count)
            #expect((manifest?["files"] as? [Any])?.count == files.count)
            // The sqlite3 shell lacks idhealth's regexp and SHA-1: the manifest says so.
            let leftOut = (manifest?["left_out"] as? [String]) ?? []
            #expect(leftOut.contains { $0.contains("the sqlite3 shell has neither") } == (engine == .sqlite), "\(leftOut)")
        }
    }

    /// The checks `compile` writes, in report order: all but drift (zero by construction
    /// right after a rebuild).
    static let compiledCheckIDs = CheckCatalog.ids.filter { $0 != "materialization_drift" }

    /// A check's value and status as a compiled verdict gives them.
    struct Verdict: Codable, Equatable {
        let value: Int64?
        let status: String?
    }

    /// The statements of a compiled file, as the emulator scripts split them
    /// (scripts/lib/compiled_files.py): each ends with `;` before a blank line and the next
    /// statement's comment, or at the end.
    static func statements(_ text: String) -> [String] {
        text.components(separatedBy: ";\n\n-- ").enumerated().compactMap { index, chunk in
            var lines = chunk.components(separatedBy: "\n")
            if index > 0 { lines.removeFirst() }  // the rest of the statement's own comment line
            let code = lines.filter { !$0.hasPrefix("--") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            let statement = code.hasSuffix(";") ? String(code.dropLast()) : code
            return statement.isEmpty ? nil : statement
        }
    }

    /// Each check file's verdict (its first statement), run by the engine alone.
    static func verdicts(of files: [Compilation.File], in folder: URL, on database: any Database) throws -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        for file in files where file.check != nil {
            let text = try String(contentsOf: folder.appendingPathComponent(file.file), encoding: .utf8)
            let row = try #require(try database.rows(SQL(unsafeRaw: statements(text)[0])).first, "\(file.file): no verdict row")
            verdicts[row["check_id"].stringValue ?? "?"] = Verdict(value: row["value"].intValue, status: row["status"].stringValue)
        }
        return verdicts
    }

    /// Every compiled check's verdict equals the value and status `idhealth check` gave.
    static func expectSameVerdicts(_ verdicts: [String: Verdict], as run: CheckRun, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(verdicts.keys.sorted() == compiledCheckIDs.sorted(), "\(context): verdicts of \(verdicts.keys.sorted())", sourceLocation: sourceLocation)
        for id in compiledCheckIDs {
            let result = try run.result(id)
            // Freshness measures whole hours up to each engine's own "now": a stand-in that
            // runs a minute after idhealth check may have crossed the next hour.
            if id == "freshness", let got = verdicts[id]?.value, let want = result.value, abs(got - want) <= 1 {
                #expect(verdicts[id]?.status == result.status.rawValue, "\(context): freshness status", sourceLocation: sourceLocation)
                continue
            }
            #expect(verdicts[id] == Verdict(value: result.value, status: result.status.rawValue),
                    "\(context): \(id) compiled to \(String(describing: verdicts[id])), idhealth check says \(String(describing: result.value)) \(result.status.rawValue)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("--dbt-macro: the same statements as a dbt macro, run by dbt run-operation, give exactly the tables a materialization gives")
    func dbtMacro() throws {
        try TestDatabase.with(.postgres) { test in
            _ = try ProfilesSyncGenerator(profiles: 500, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            let live = try test.extraSchema("live"), macro = try test.extraSchema("macro")
            _ = try Materializer(database: test.database, schemas: Schemas(source: test.schemas.source, target: live)).run(mode: .table)
            let traits = try Compilation.traitColumns(of: test.database, schema: test.schemas.source)
            let folder = test.directory.appendingPathComponent("compiled")
            let compilation = Compilation(dialect: .postgres, schemas: Schemas(source: test.schemas.source, target: macro), traitColumns: traits, traitNulls: .keepLastValue)
            _ = try compilation.write(to: folder, mode: .table, toolVersion: "test", dbtMacro: "idhealth_materialize")
            let file = folder.appendingPathComponent("idhealth_materialize.sql")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.components(separatedBy: "{% call statement(").count - 1
                    == (try compilation.plan()).reduce(0) { $0 + $1.statements.count }, "one statement call per compiled statement")
            _ = try PythonTool.run("run-dbt-macro.py", [file.path, "idhealth_materialize", test.location])
            try test.expectSameTables(macro, as: live, "dbt run-operation")

            // The checks' macro logs each verdict and fails the build on a failing check.
            struct Report: Decodable { let success: Bool; let output: String }
            let checks = try JSONDecoder().decode(Report.self, from: PythonTool.run("run-dbt-macro.py", [
                folder.appendingPathComponent("idhealth_materialize_checks.sql").path, "idhealth_materialize_checks", test.location, "--report"]))
            let run = try CheckRunner(context: CheckContext(database: test.database, schemas: Schemas(source: test.schemas.source, target: macro), settings: CheckSettings())).run()
            let failing = Self.compiledCheckIDs.filter { (try? run.result($0).status) == .fail }
            #expect(!failing.isEmpty, "the anomalies fail some checks")
            #expect(!checks.success, "a failing check fails dbt run-operation: \(checks.output)")
            #expect(checks.output.contains("idhealth: \(failing.count) check(s) failed: \(failing.joined(separator: ", "))"), "\(checks.output)")
            let chains = try run.result("merge_chains")
            #expect(checks.output.contains("idhealth: merge_chains fail (value \(chains.value ?? -1))"), "\(checks.output)")

            #expect(throws: ConfigError("--dbt-macro: `1st` is not a dbt macro name (letters, digits and _, not starting with a digit)")) {
                try compilation.write(to: test.directory.appendingPathComponent("bad"), mode: .table, toolVersion: "test", dbtMacro: "1st")
            }
            #expect(!FileManager.default.fileExists(atPath: test.directory.appendingPathComponent("bad").path), "nothing is written")
        }
    }

    /// A warehouse dialect and the local engine that runs its compiled files: the script
    /// (scripts/lib) that runs them, and a line of the swap file that says the dialect's
    /// own swap was written.
    struct Emulation: Sendable, CustomTestStringConvertible {
        let dialect: Dialect
        let script: String
        let swapLine: String
        var testDescription: String { "\(dialect.engine.displayName) on \(script)" }
    }

    static let emulations = [
        Emulation(dialect: .snowflake, script: "run-on-fakesnow.py",
                  swapLine: #"ALTER TABLE "IDENTITY"."IDHEALTH_STAGE_ID_GRAPH" SWAP WITH "IDENTITY"."ID_GRAPH";"#),
        Emulation(dialect: .bigquery, script: "run-on-duckdb-as-bigquery.py",
                  swapLine: "CREATE OR REPLACE TABLE `identity`.`id_graph` AS SELECT * FROM `identity`.`idhealth_stage_id_graph`;"),
        Emulation(dialect: .databricks, script: "run-on-spark.py",
                  swapLine: "CREATE OR REPLACE TABLE `identity`.`id_graph` AS SELECT * FROM `identity`.`idhealth_stage_id_graph`;"),
    ]

    /// The raw tables the compiled files run on: Segment's documented merge of profile_2 into
    /// profile_1, or generated history with chains, cycles, dangling pointers and junk.
    enum DataSet: String, CaseIterable, Sendable {
        case golden, generated

        func load(into test: TestDatabase) throws {
            switch self {
            case .golden:
                try GoldenCaseStudyTests().load(into: test)
            case .generated:
                _ = try ProfilesSyncGenerator(profiles: 400, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            }
        }
    }

    @Test("the compiled files of a warehouse, run on its local stand-in, give exactly the tables a SQLite materialization gives", arguments: emulations, DataSet.allCases)
    func compiledOnEmulator(emulation: Emulation, data: DataSet) throws {
        try TestDatabase.with(.sqlite) { test in
            try data.load(into: test)
            let summary = try test.materialize()
            if data == .generated { #expect(summary.resolution["cycle"] == 2, "the data has cycles to resolve") }
            if data == .golden { #expect(summary.resolution["merged"] == 1, "profile_2 is merged into profile_1") }
            let traits = try Compilation.traitColumns(of: test.database, schema: test.schemas.source)
            let folder = test.directory.appendingPathComponent(emulation.dialect.engine.rawValue)
            try Compilation(dialect: emulation.dialect, schemas: Schemas(source: "raw", target: "identity"), traitColumns: traits, traitNulls: .keepLastValue,
                            rawColumns: try Compilation.rawColumns(of: test.database, schema: test.schemas.source))
                .write(to: folder, mode: .table, toolVersion: "test")
            let swap = try String(contentsOf: folder.appendingPathComponent("06_swap.sql"), encoding: .utf8)
            #expect(swap.contains(emulation.swapLine), "\(swap)")

            let output = test.directory.appendingPathComponent("emulated.json")
            _ = try PythonTool.run(emulation.script, [test.location, folder.path, "raw", "identity", output.path])
            try Self.expectSameResult(output, as: test, "\(emulation.dialect.engine.displayName) on \(data.rawValue)")
        }
    }

    @Test("the compiled incremental files of a warehouse, run on its stand-in after its table-mode files and more rows, give exactly the tables a SQLite materialization of all the rows gives",
          arguments: emulations.filter { $0.dialect.engine != .databricks })
    func compiledIncrementalOnEmulator(emulation: Emulation) throws {
        try TestDatabase.with(.sqlite) { test in
            try DataSet.generated.load(into: test)
            _ = try test.materialize()
            // The first half of the pointer rows (and the rows of the other tables landed by
            // then) land first; the rest, with the merges, chains and cycles among them, after.
            let pointers = QualifiedName(test.schemas.source, TableName.idGraphUpdates)
            let half = try test.database.scalar("SELECT COUNT(*) / 2 FROM \(table: pointers)").intValue ?? 0
            let landedBy = try #require(try test.database.scalar("SELECT uuid_ts FROM \(table: pointers) ORDER BY uuid_ts LIMIT 1 OFFSET \(bind: .integer(half))").stringValue)
            let traits = try Compilation.traitColumns(of: test.database, schema: test.schemas.source)
            let compilation = Compilation(dialect: emulation.dialect, schemas: Schemas(source: "raw", target: "identity"), traitColumns: traits, traitNulls: .keepLastValue,
                                          rawColumns: try Compilation.rawColumns(of: test.database, schema: test.schemas.source))
            let table = test.directory.appendingPathComponent("table"), incremental = test.directory.appendingPathComponent("incremental")
            try compilation.write(to: table, mode: .table, toolVersion: "test")
            try compilation.write(to: incremental, mode: .incremental, toolVersion: "test")
            let output = test.directory.appendingPathComponent("emulated.json")
            _ = try PythonTool.run(emulation.script, [test.location, incremental.path, "raw", "identity", output.path, table.path, landedBy])
            try Self.expectSameResult(output, as: test, "\(emulation.dialect.engine.displayName), incremental after rows landed by \(landedBy)")
        }
    }

    /// The tables and verdicts a stand-in's runner wrote (`output`) are those of `test`'s SQLite
    /// materialization and `idhealth check` there.
    static func expectSameResult(_ output: URL, as test: TestDatabase, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let verdicts = try JSONDecoder().decode([String: Verdict].self, from: JSONSerialization.data(withJSONObject: object.removeValue(forKey: "verdicts") ?? [:]))
        let emulated = try JSONDecoder().decode([String: EmulatedTable].self, from: JSONSerialization.data(withJSONObject: object))
        // Each compiled check's verdict, computed by the stand-in, is what idhealth check finds on SQLite.
        try expectSameVerdicts(verdicts, as: try test.check(), context, sourceLocation: sourceLocation)
        for table in TableName.materializedTables {
            let local = try test.contents(test.schemas.target, table)
            let remote = try #require(emulated[table], "\(context): no \(table)", sourceLocation: sourceLocation)
            #expect(remote.columns.sorted() == local.columns, "\(context): \(table) columns", sourceLocation: sourceLocation)
            let order = remote.columns.sorted().map { name in remote.columns.firstIndex(of: name)! }
            let got = remote.rows.map { row in order.map { row[$0] } }.sorted { key($0) < key($1) }
            let want = local.rows.map { row in row.map(text) }.sorted { key($0) < key($1) }
            #expect(got.count == want.count, "\(context): \(table): \(got.count) rows emulated, \(want.count) on SQLite", sourceLocation: sourceLocation)
            #expect(!got.isEmpty, "\(context): \(table) is empty", sourceLocation: sourceLocation)
            let differing = zip(got, want).filter { $0 != $1 }
            #expect(differing.isEmpty, "\(context): \(table): \(differing.count) rows differ, e.g. \(differing.prefix(2))", sourceLocation: sourceLocation)
        }
    }

    /// Every expression whose spelling differs between engines, with inputs built by the
    /// dialect too: what the checks will compute on a warehouse.
    static func expressions() -> [(name: String, sql: SQL)] {
        let time: SQL = .timestamp(literal: "2026-01-10 12:30:45"), later: SQL = .timestamp(literal: "2026-01-10 14:00:45")
        return [
            ("timestamp_text", .timestampText(time)),
            ("day_text", .dayText(.timestamp(literal: "2026-01-10 23:59:59"))),
            ("days_before", .daysBefore(.literal(.text("2026-01-10")), days: .literal(.integer(12)))),
            ("hours_between", .cast(.hoursBetween(time, and: later), as: .real)),
            ("minus_hours", .timestampText(.minusHours(later, 1.5))),
            ("regexp", "CASE WHEN \(sql: .regexpMatch(.literal(.text("Jane@Test.com")), pattern: .literal(.text("^[^@]+@test[.]com$")))) THEN 1 ELSE 0 END"),
            ("regexp_anywhere", "CASE WHEN \(sql: .regexpMatch(.literal(.text("a unknown b")), pattern: .literal(.text("unknown")))) THEN 1 ELSE 0 END"),
            ("sha1", .expression(.sha1Hex(.literal(.text("email:jane@example.com")), functionSchema: nil))),
            ("byte_length", .byteLength(.literal(.text("é€")))),
            ("integer", .cast(.literal(.text("42")), as: .integer)),
            ("literal", .literal(.text("it's a \\ b\nc"))),
            ("distinct", "(SELECT COUNT(*) FROM (SELECT 1 AS x \(sql: .unionDistinct) SELECT 1 AS x) u)"),
        ]
    }

    @Test("every dialect expression computes on the warehouse's stand-in what it computes on SQLite", arguments: emulations)
    func expressionsOnEmulator(emulation: Emulation) throws {
        let expressions = Self.expressions()
        func select(_ dialect: Dialect) -> String {
            dialect.renderInline("SELECT " + expressions.map { "\(sql: $0.sql) AS \(ident: $0.name)" as SQL }.joined(separator: ", "))
        }
        try TestDatabase.with(.sqlite) { test in
            let local = try #require(try test.database.firstRow(SQL(unsafeRaw: select(.sqlite))))
            var want: [String: String] = [:]
            for (index, expression) in expressions.enumerated() { want[expression.name] = local.values[index].stringValue }
            #expect(want["sha1"] == SHA1Hex.digest("email:jane@example.com"))
            #expect(want["literal"] == "it's a \\ b\nc" && want["integer"] == "42" && want["distinct"] == "1")
            #expect(want["days_before"] == "2025-12-29" && want["minus_hours"] == "2026-01-10 12:30:45" && want["byte_length"] == "5")
            #expect(want["regexp"] == "0" && want["regexp_anywhere"] == "1", "patterns are case-sensitive and search")

            let file = test.directory.appendingPathComponent("select.sql")
            try Data(select(emulation.dialect).utf8).write(to: file)
            let output = try PythonTool.run("run-select.py", [emulation.dialect.engine.rawValue, file.path])
            let got = try JSONDecoder().decode([String: String?].self, from: output)
            for (name, value) in want {
                let remote = got[name] ?? nil
                if name == "hours_between" {
                    #expect(remote.flatMap(Double.init) == Double(value), "\(name): \(remote ?? "NULL") on \(emulation.dialect.engine.displayName), \(value) on SQLite")
                } else {
                    #expect(remote == value, "\(name): \(remote ?? "NULL") on \(emulation.dialect.engine.displayName), \(value) on SQLite")
                }
            }
        }
    }

    /// A table as the emulator scripts write it: column names, and every row as text.
    struct EmulatedTable: Decodable {
        let columns: [String]
        let rows: [[String?]]
    }

    static func text(_ value: SQLValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let number): return String(number)
        case .real(let number): return "\(number)"
        case .text(let text): return text
        }
    }

    static func key(_ row: [String?]) -> String {
        row.map { $0 ?? "\u{0}" }.joined(separator: "\u{1}")
    }

    @Test("the configured thresholds and parameters go into the verdicts as literals, and a check disabled since leaves no file behind")
    func configuredChecks() throws {
        try TestDatabase.with(.sqlite) { test in
            _ = try ProfilesSyncGenerator(profiles: 400, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let traits = try Compilation.traitColumns(of: test.database, schema: test.schemas.source)
            let folder = test.directory.appendingPathComponent("compiled")
            func compile(_ settings: CheckSettings) throws -> [Compilation.File] {
                try Compilation(dialect: .sqlite, schemas: test.schemas, traitColumns: traits, traitNulls: .keepLastValue, checkSettings: settings)
                    .write(to: folder, mode: .table, toolVersion: "test")
            }
            _ = try compile(CheckSettings())
            // A count that warns and never fails, a percentage of the live profiles, extra junk
            // values, a tighter identifier limit and a fan-in limit, and a check turned off.
            let settings = CheckSettings(checks: [
                "merge_chains": ["warn": .threshold(Threshold(.greater, 5)), "fail": .threshold(.never)],
                "external_id_collisions": ["fail": .threshold(Threshold(.greaterOrEqual, 0.5, percent: true))],
                "blocked_values": ["extra_values": .strings(["it's junk"]), "fail_segment_ids": .integer(1_000)],
                "identifier_limits": ["limits": .limits(["email": 1]), "default_limit": .integer(2)],
                "merge_fan_in": ["warn": .threshold(Threshold(.greater, 3)), "fail": .threshold(Threshold(.greater, 50))],
                "merge_rate_anomaly": ["enabled": .bool(false)],
            ])
            let files = try compile(settings)
            #expect(!files.contains { $0.check == "merge_rate_anomaly" })
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("merge_rate_anomaly") }
            #expect(left.isEmpty, "the earlier compile's file of the disabled check is gone: \(left)")
            let verdicts = try Self.verdicts(of: files, in: folder, on: test.database)
            let run = try CheckRunner(context: CheckContext(database: test.database, schemas: test.schemas, settings: settings)).run()
            for (id, verdict) in verdicts {
                let result = try run.result(id)
                #expect(verdict == Verdict(value: result.value, status: result.status.rawValue), "\(id): compiled \(verdict), idhealth check \(String(describing: result.value)) \(result.status.rawValue)")
            }
            #expect(verdicts.count == Self.compiledCheckIDs.count - 1)
            #expect(verdicts["merge_chains"]?.status == "warn", "9 broken chains warn over 5 and never fail")
            #expect(verdicts["external_id_collisions"]?.status == "warn", "fewer collisions than 0.5 % of the live profiles: \(String(describing: verdicts["external_id_collisions"]))")
            let chains = try String(contentsOf: folder.appendingPathComponent(try #require(files.first { $0.check == "merge_chains" }).file), encoding: .utf8)
            #expect(chains.contains("judged as idhealth check judges it (warn > 5; fail never)"))
            let blocked = try String(contentsOf: folder.appendingPathComponent(try #require(files.first { $0.check == "blocked_values" }).file), encoding: .utf8)
            #expect(blocked.contains("'it''s junk'"), "the extra value is a quoted literal")
        }
    }

    @Test("--traits: names and types, and the errors that name what is wrong")
    func traitList() throws {
        let columns = try Compilation.traitColumns(from: "email, score:real,plan:TEXT", dialect: .postgres)
        #expect(columns.map(\.name) == ["email", "score", "plan"])
        #expect(columns.map { Dialect.postgres.portableType(ofDeclared: $0.declaredType) } == [.text, .real, .text])
        #expect(throws: ConfigError("--traits: `score:float` has an unknown type `float`; types: text, integer, real, numeric, boolean, timestamp, date")) {
            try Compilation.traitColumns(from: "score:float", dialect: .postgres)
        }
        #expect(throws: ConfigError("--traits: `seq` is one of profile_traits_updates' own columns, not a trait")) {
            try Compilation.traitColumns(from: "email,seq", dialect: .postgres)
        }
        #expect(throws: ConfigError("--traits: `email` is named twice")) {
            try Compilation.traitColumns(from: "email,email", dialect: .postgres)
        }
    }

    @Test("literals are quoted for the dialect: a quote doubled, a backslash doubled on Redshift, backslash escapes on BigQuery and Databricks")
    func inlineLiterals() {
        let sql: SQL = "SELECT \(bind: .text(#"it's a \ value"#)), \(bind: .integer(3))"
        #expect(Dialect.postgres.renderInline(sql) == #"SELECT 'it''s a \ value', 3"#)
        #expect(Dialect.redshift.renderInline(sql) == #"SELECT 'it''s a \\ value', 3"#)
        #expect(Dialect.sqlite.renderInline(sql) == #"SELECT 'it''s a \ value', 3"#)
        // GoogleSQL escapes with a backslash only, and a quoted string holds no line break.
        let multiline: SQL = "SELECT \(bind: .text("a\nb's \\ c"))"
        #expect(Dialect.bigquery.renderInline(multiline) == #"SELECT 'a\nb\'s \\ c'"#)
        #expect(Dialect.bigquery.quote("odd`name") == #"`odd\`name`"#)
        #expect(Dialect.databricks.renderInline(multiline) == #"SELECT 'a\nb\'s \\ c'"#)
        #expect(Dialect.databricks.quote("odd`name") == "`odd``name`")
    }
}
