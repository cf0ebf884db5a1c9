import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthMaterialize

/// A schema name is user text, and `compile` writes it into comment lines and a dbt macro's
/// Jinja: no name may end a comment and start a statement, or end a Jinja string and call
/// something. (The names come from a probe that dropped a canary table through each.)
@Suite("compile: names cannot inject SQL or Jinja")
struct CompileInjectionTests {
    static let traits: [TraitColumn] = [TraitColumn(name: "email", declaredType: "text")]

    @Test("a schema name with a line break stays inside its comment: psql-style scripts of the files leave a canary table alone",
          arguments: ["\n", "\r", "\u{2028}", "\u{85}"])
    func sqlComments(lineBreak: String) throws {
        try TestDatabase.with(.postgres) { test in
            let canary = QualifiedName(test.schemas.source, "canary")
            try test.database.execute("CREATE TABLE \(table: canary) (v BIGINT)")
            let hostile = "raw" + lineBreak + "DROP TABLE \"\(test.schemas.source)\".\"canary\"; --"
            for mode in [MaterializationMode.table, .incremental] {
                let folder = test.directory.appendingPathComponent("inj-\(mode.rawValue)")
                let compilation = Compilation(dialect: .postgres, schemas: Schemas(source: hostile, target: hostile + "_t"), traitColumns: Self.traits, traitNulls: .keepLastValue)
                let files = try compilation.write(to: folder, mode: mode, toolVersion: "test")
                for file in files {
                    let text = try String(contentsOf: folder.appendingPathComponent(file.file), encoding: .utf8)
                    let header = text.components(separatedBy: "\n-- 1 of")[0]
                    for line in header.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
                        #expect(line.hasPrefix("--"), "\(file.file): a header line that is not a comment: \(line)")
                    }
                    // The file as psql -f would run it; statements on the hostile schemas may fail.
                    _ = try? test.database.executeScript(SQL(unsafeRaw: header))
                }
            }
            #expect(try test.database.tableExists(canary), "the canary table was dropped")
        }
    }

    @Test("a target schema in the dbt macro stays a string: no run_query, no broken template, no comment closed early",
          arguments: ["x', info=True) }}{% do run_query('DROP TABLE public.canary') %}{{ log('", "o'brien", "a #} {{ run_query('x') }} {# b", "back\\slash\nline"])
    func jinja(target: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-jinja-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let compilation = Compilation(dialect: .postgres, schemas: Schemas(source: "raw", target: target), traitColumns: Self.traits, traitNulls: .keepLastValue)
        _ = try compilation.write(to: folder, mode: .table, toolVersion: "test", dbtMacro: "idhealth_materialize")
        struct Rendered: Decodable { let statements: [String]; let logs: [String]; let run_query: [String] }
        for name in ["idhealth_materialize", "idhealth_materialize_checks"] {
            let rendered = try JSONDecoder().decode(Rendered.self, from: PythonTool.run("render-jinja.py", [folder.appendingPathComponent(name + ".sql").path, name]))
            #expect(rendered.run_query.isEmpty, "\(name) called run_query: \(rendered.run_query)")
            #expect(!rendered.statements.isEmpty)
            if name == "idhealth_materialize" {
                #expect(rendered.logs == ["idhealth: materialized \(target) (\(rendered.statements.count) statements)"], "the log names the schema as it is: \(rendered.logs)")
            }
        }
    }
}
