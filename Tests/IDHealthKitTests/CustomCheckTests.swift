import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

@Suite("Custom checks")
struct CustomCheckTests {
    /// A config whose checks folder holds the given files.
    func withChecks(_ files: [String: String], in test: TestDatabase) throws -> Configuration {
        let folder = test.directory.appendingPathComponent("checks")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return Configuration(baseDirectory: test.directory)
    }

    @Test("HTML in a custom check's title and rows stays text in the Markdown report: no comment hides the rest, no tag loads")
    func markdownEscapesHTML() throws {
        try TestDatabase.with(.sqlite) { test in
            _ = try ProfilesSyncGenerator(profiles: 100, seed: 3, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let configuration = try withChecks([
                "html.sql": "-- id: html_values\n-- title: <b>bold</b> & <!-- a title\nSELECT '<!-- hidden' AS note, '<img src=x onerror=alert(1)>' AS html, 'a > b & c' AS text_value",
            ], in: test)
            let run = try test.check(configuration, now: ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600))
            #expect(try run.result("html_values").samples.count == 1)
            let markdown = MarkdownReport.render(run, context: ReportContext(runID: "r", engine: .sqlite, target: test.location, schemas: test.schemas))
            let outsideCode = markdown.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined()
            #expect(!outsideCode.contains("<!--"), "an HTML comment outside code hides what follows")
            #expect(!outsideCode.contains("<img"), "an image tag outside code loads")
            #expect(!outsideCode.contains("<b>"))
            #expect(outsideCode.contains("&lt;!-- hidden"))
            #expect(outsideCode.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(outsideCode.contains("a &gt; b &amp; c"))
        }
    }

    @Test("custom checks run beside the built-ins; a broken one errs alone", arguments: TestDatabase.engines)
    func customChecks(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            _ = try ProfilesSyncGenerator(profiles: 200, seed: 3, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            // A profile whose external ids never landed.
            let d = test.database.dialect
            try test.database.execute("INSERT INTO \(table: QualifiedName(test.schemas.source, TableName.idGraphUpdates)) (segment_id, canonical_segment_id, triggering_event_type, triggering_event_id, \(ident: "timestamp"), uuid_ts, seq) VALUES ('orphan', 'orphan', 'page', 'e', \(sql: .timestamp(bind: "2026-11-01 00:00:00")), \(sql: .timestamp(bind: "2026-11-01 00:00:00")), 1)")
            _ = try test.materialize()
            let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("examples/checks")
            var files: [String: String] = [:]
            for name in ["trait_email_mismatch.sql", "profiles_without_identifiers.sql"] {
                files[name] = try String(contentsOf: bundled.appendingPathComponent(name), encoding: .utf8)
            }
            files["a_broken.sql"] = "-- title: no id here\nSELECT 1"
            files["bad_sql.sql"] = "-- id: bad_sql\nSELECT * FROM {{target.no_such_table}}"
            files["failing.sql"] = "-- id: failing_sql\nSELECT nonsense FROM {{target.id_graph}}"
            files["twin.sql"] = "-- id: merge_chains\nSELECT 1"
            files["merge_fan_in.sql"] = try String(contentsOf: bundled.appendingPathComponent("../../checks/merge_fan_in.sql").standardizedFileURL, encoding: .utf8)
            let configuration = try withChecks(files, in: test)
            let run = try test.check(configuration, now: ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600))

            #expect(run.results.count == 11 + 6)  // the copy of a built-in is not a custom check
            let mismatch = try run.result("trait_email_mismatch")
            #expect(mismatch.status == .pass)
            #expect(mismatch.value == 0)
            let orphans = try run.result("profiles_without_identifiers")
            #expect(orphans.status == .warn)
            #expect(orphans.value == 1)
            #expect(orphans.samples.first?[0] == .text("orphan"))
            #expect(try run.result("a_broken").status == .error)
            #expect(try run.result("a_broken").message?.contains("-- id: name") == true)
            #expect(try run.result("bad_sql").status == .skipped)
            #expect(try run.result("failing_sql").status == .error)
            #expect(run.results.filter { $0.id == "merge_chains" }.count == 2)
            #expect(run.results.last?.message?.contains("already taken") == true)
            #expect(try run.result("merge_fan_in").status == .fail)  // the built-in still ran
            #expect(run.exitStatus() == 3)
        }
    }

    @Test("--select runs a subset; unknown ids are refused")
    func selection() throws {
        try TestDatabase.with(.sqlite) { test in
            _ = try ProfilesSyncGenerator(profiles: 100, seed: 3, anomalies: true).write(to: test.database, schema: "main", replace: false)
            _ = try test.materialize()
            let configuration = try withChecks(["mine.sql": "-- id: mine\n-- severity: warn\nSELECT segment_id FROM {{target.id_graph}} WHERE 1 = 0"], in: test)
            let run = try test.check(configuration, selection: ["mine", "merge_chains"])
            #expect(run.results.map(\.id) == ["merge_chains", "mine"])
            #expect(try run.result("mine").status == .pass)
            #expect(throws: ConfigError.self) { try test.check(configuration, selection: ["nope"]) }
        }
    }

    @Test("header parsing", arguments: [
        ("-- id: x\n-- severity: warn\nSELECT 1", CheckStatus.warn, nil as String?),
        ("-- id: x\nSELECT 1", .fail, nil),
        ("-- id: x\n-- warn: > 0\n-- fail: > 5\nSELECT 1", .warn, nil),
        ("-- id: X-1\nSELECT 1", .error, "-- id: name"),
        ("-- id: x\n-- severity: loud\nSELECT 1", .error, "severity"),
        ("-- id: x\n-- fail: lots\nSELECT 1", .error, "not a threshold"),
        ("-- id: x\n-- just a comment", .error, "no query"),
    ])
    func header(text: String, status: CheckStatus, problem: String?) {
        let check = CustomCheck.parse(text, path: "x.sql", fallbackID: "x")
        if let problem {
            #expect(check.problem?.contains(problem) == true, "\(check.problem ?? "")")
        } else {
            #expect(check.problem == nil)
            let warn = check.definition.parameters.first { $0.name == "warn" }?.defaultValue
            let fail = check.definition.parameters.first { $0.name == "fail" }?.defaultValue
            if case .threshold(let w)? = warn, case .threshold(let f)? = fail {
                #expect(CustomCheck.status(value: 1, base: 0, warn: w, fail: f) == status)
            } else {
                Issue.record("no thresholds")
            }
        }
    }
}
