import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize

/// `idhealth compile`: the files, run in order by the engine alone, build the tables a
/// materialization builds.
@Suite("Compile")
struct CompileTests {
    @Test("the compiled table mode, run file by file, gives exactly the tables a materialization gives", arguments: Dialect.Engine.allCases)
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
            #expect(files.map(\.file) == ["01_prepare.sql", "02_resolve.sql", "03_id_graph.sql", "04_external_id_mapping.sql", "05_profile_traits.sql", "06_swap.sql", "07_cleanup.sql"])
            // Twice: the second run replaces what the first built, as a nightly schedule would.
            for _ in 0..<2 {
                for file in files {
                    let text = try String(contentsOf: folder.appendingPathComponent(file.file), encoding: .utf8)
                    #expect(!text.contains("$1") && !text.contains("?1"), "\(file.file) binds nothing")
                    try test.database.executeScript(SQL(unsafeRaw: text))
                }
            }
            try test.expectSameTables(compiled, as: live, "compiled \(engine.rawValue)")
            // Nothing but the tables is left behind.
            let work = WorkTables(database: test.database, schema: compiled, token: "x")
            #expect(try work.tables(in: compiled, prefix: WorkTables.workPrefix).isEmpty)
            #expect(try work.tables(in: compiled, prefix: WorkTables.stagePrefix).isEmpty)

            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json"))) as? [String: Any]
            #expect(manifest?["dialect"] as? String == engine.rawValue)
            #expect((manifest?["trait_columns"] as? [Any])?.count == traits.count)
            #expect((manifest?["files"] as? [Any])?.count == files.count)
        }
    }

    @Test("--traits: names and types, and the errors that name what is wrong")
    func traitList() throws {
        let columns = try Compilation.traitColumns(from: "email, score:real,plan:TEXT")
        #expect(columns.map(\.name) == ["email", "score", "plan"])
        #expect(columns.map { Dialect.postgres.portableType(ofDeclared: $0.declaredType) } == [.text, .real, .text])
        #expect(throws: ConfigError("--traits: `score:float` has an unknown type `float`; types: text, integer, real, numeric, boolean, timestamp, date")) {
            try Compilation.traitColumns(from: "score:float")
        }
        #expect(throws: ConfigError("--traits: `seq` is one of profile_traits_updates' own columns, not a trait")) {
            try Compilation.traitColumns(from: "email,seq")
        }
        #expect(throws: ConfigError("--traits: `email` is named twice")) {
            try Compilation.traitColumns(from: "email,email")
        }
    }

    @Test("literals are quoted for the dialect: a quote doubled everywhere, a backslash doubled on Redshift")
    func inlineLiterals() {
        let sql: SQL = "SELECT \(bind: .text(#"it's a \ value"#)), \(bind: .integer(3))"
        #expect(Dialect.postgres.renderInline(sql) == #"SELECT 'it''s a \ value', 3"#)
        #expect(Dialect.redshift.renderInline(sql) == #"SELECT 'it''s a \\ value', 3"#)
        #expect(Dialect.sqlite.renderInline(sql) == #"SELECT 'it''s a \ value', 3"#)
    }
}
