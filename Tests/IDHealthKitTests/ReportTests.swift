import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

@Suite("Reports")
struct ReportTests {
    /// Generated data with the default anomalies, materialized and checked, on SQLite.
    func checkedRun(showValues: Bool = false) throws -> (CheckRun, ReportContext) {
        try TestDatabase.with(.sqlite) { test in
            _ = try ProfilesSyncGenerator(profiles: 400, seed: 5, anomalies: true).write(to: test.database, schema: "main", replace: false)
            _ = try test.materialize()
            let run = try test.check(showValues: showValues, now: ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600))
            return (run, ReportContext(runID: "run-1", engine: .sqlite, target: test.location, schemas: test.schemas))
        }
    }

    @Test("an explain command is a code span a backtick, a pipe or a control character cannot break; its options are quoted for a shell")
    func explainCommandCells() {
        #expect(MarkdownReport.codeCell("idhealth explain abc") == "`idhealth explain abc`")
        #expect(MarkdownReport.codeCell("idhealth explain 'a`b|c'") == "`` idhealth explain 'a`b\\|c' ``")
        #expect(MarkdownReport.codeCell("x\u{1B}[31m") == "`x\\x1b[31m`")
        #expect(ReportText.explainCommand(for: "p1", options: ["--config", "/srv/my reports/idhealth.yml"])
                == "idhealth explain p1 --config '/srv/my reports/idhealth.yml'")
        #expect(ReportText.explainCommand(for: "it's", options: []) == #"idhealth explain 'it'\''s'"#)
    }

    @Test("the JSON report has the fields of docs/reports.md")
    func json() throws {
        let (run, context) = try checkedRun()
        let data = try JSONReport.render(run, context: context)
        let document = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(document["schema_version"] == .string(JSONReport.schemaVersion))
        #expect(document["tool"]?["name"] == .string("idhealth"))
        #expect(document["run"]?["id"] == .string("run-1"))
        #expect(document["run"]?["database"]?["kind"] == .string("sqlite"))
        #expect(document["summary"]?["fail"] == .integer(5))
        #expect(document["summary"]?["warn"] == .integer(4))
        #expect(document["summary"]?["pass"] == .integer(2))
        #expect(document["summary"]?["exit_status"] == .integer(1))
        #expect(document["graph"]?["profiles"] != nil)
        #expect(document["graph"]?["external_ids"] != nil)
        guard case .array(let checks)? = document["checks"] else { Issue.record("no checks array"); return }
        #expect(checks.compactMap { $0["id"]?.stringValue } == CheckCatalog.ids)
        for check in checks {
            for field in ["id", "title", "status", "value", "thresholds", "details", "samples", "sql", "duration_ms"] {
                #expect(check[field] != nil, "\(check["id"]?.stringValue ?? "?") lacks \(field)")
            }
        }
        #expect(checks.first?["value"] == .integer(9))
        #expect(checks[1]["value"] == .integer(2))
        // The report's Codable types read their own output back, byte for byte. (A whole
        // number written for a real, as 30 for 30.0 hours, reads back as an integer.)
        let decoded = try JSONDecoder().decode(JSONReport.Document.self, from: data)
        #expect(decoded.checks.map(\.id) == CheckCatalog.ids)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        #expect(try encoder.encode(decoded) + Data([0x0A]) == data)
    }

    @Test("reports mask external id values unless asked not to", arguments: TestDatabase.engines)
    func masking(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            // 60 segment_ids merged into s0 through one real-looking email.
            var pointers: [(String, String, Int64)] = [("s0", "s0", 1)]
            for index in 1...59 { pointers += [("s\(index)", "s\(index)", Int64(index * 2)), ("s\(index)", "s0", Int64(index * 2 + 1))] }
            try test.createGraph(pointers)
            let time = SQLValue.text(test.database.dialect.timestampLiteral("2026-01-01 00:00:00"))
            try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"],
                               rows: (0...59).map { index in
                                   [.text("x\(index)"), .text("s\(index)"), "email", "shared.person@example.com", .text("h\(index)"), time, time, .integer(Int64(index))]
                               })
            try test.createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", "email"], rows: [])
            _ = try test.materialize()
            let context = ReportContext(runID: "r", engine: engine, target: test.location, schemas: test.schemas)

            let masked = try test.check()
            #expect(try masked.result("merge_fan_in").status == .warn)
            let maskedText = MarkdownReport.render(masked, context: context)
            #expect(maskedText.contains("| s0 | email | `s***@example.com` | 60 |"))
            #expect(!maskedText.contains("shared.person"))
            let maskedJSON = String(decoding: try JSONReport.render(masked, context: context), as: UTF8.self)
            #expect(!maskedJSON.contains("shared.person"))

            let shown = try test.check(showValues: true)
            #expect(MarkdownReport.render(shown, context: context).contains("| s0 | email | `shared.person@example.com` | 60 |"))
        }
    }

    @Test("the Markdown report leads with the verdict and a table of all checks")
    func markdown() throws {
        let (run, context) = try checkedRun()
        let text = MarkdownReport.render(run, context: context)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "# Identity health: ❌ 5 failures, 4 warnings")
        #expect(lines.contains { $0.hasPrefix("| Broken merge chains (`merge_chains`) | ❌ fail | 9 |") })
        #expect(lines.contains { $0.hasPrefix("| Merge fan-in and super-profiles (`merge_fan_in`) | ❌ fail | 2 |") })
        #expect(text.contains("```mermaid\nxychart-beta"))
        #expect(text.contains("| non_terminal | 5 |"))
        #expect(text.contains("<summary>SQL to reproduce (3 queries)</summary>"))
        // The HTML has what the Markdown has: the likely causes of the super-profiles too.
        let fanIn = section(HTMLReport.render(run, context: context), "merge_fan_in")
        #expect(fanIn.contains("Likely causes: the external ids shared by most segment_ids of the largest profiles."))
        #expect(section(text, "merge_fan_in").contains("Likely causes: the external ids shared by most segment_ids of the largest profiles."))
    }

    /// The report section of check `id`: from its heading to the next one.
    func section(_ text: String, _ id: String) -> String {
        guard let start = text.range(of: "(`\(id)`)\n") ?? text.range(of: "<section id=\"\(id)\">") else { return "" }
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n## ") ?? rest.range(of: "<section id=")
        return String(rest[..<(end?.lowerBound ?? rest.endIndex)])
    }

    @Test("SQL to reproduce lists every query a check ran, parameters in placeholder order")
    func everyQuery() throws {
        let (run, context) = try checkedRun()
        let duplicates = try run.result("duplicate_rows")
        #expect(duplicates.queries.count == 3)
        let markdown = section(MarkdownReport.render(run, context: context), "duplicate_rows")
        let html = section(HTMLReport.render(run, context: context), "duplicate_rows")
        #expect(markdown.contains("<summary>SQL to reproduce (3 queries)</summary>"))
        #expect(html.contains("<summary>SQL to reproduce (3 queries)</summary>"))
        for query in duplicates.queries {
            #expect(markdown.contains("```sql\n-- \(query.name)\n"), "the Markdown leaves out \(query.name)")
            #expect(html.contains("<pre>-- \(query.name)\n"), "the HTML leaves out \(query.name)")
        }
        #expect(markdown.components(separatedBy: "```sql").count - 1 == 3)

        let query = ExecutedQuery(name: "q", sql: "SELECT ?1, ?2, ?10", parameters: ["?10": "c", "?2": "b", "?1": "a"])
        #expect(query.parameterList == "?1: a, ?2: b, ?10: c")
        let postgres = ExecutedQuery(name: "q", sql: "SELECT $1, $2, $10", parameters: ["$10": "c", "$2": "b", "$1": "a"])
        #expect(postgres.parameterList == "$1: a, $2: b, $10: c")
    }

    @Test("a report made with --show-values says so in every format")
    func valuesShownMarked() throws {
        for shown in [false, true] {
            let (run, context) = try checkedRun(showValues: shown)
            let markdown = MarkdownReport.render(run, context: context)
            let html = HTMLReport.render(run, context: context)
            let junit = JUnitReport.render(run, context: context)
            let document = try JSONDecoder().decode(JSONValue.self, from: try JSONReport.render(run, context: context))
            #expect(document["run"]?["values_shown"] == .bool(shown))
            #expect(markdown.contains("> [!WARNING]\n> Made with --show-values: personal values") == shown)
            #expect(markdown.split(separator: "\n").prefix(6).contains { $0.contains("--show-values") } == shown, "the warning comes before the checks")
            #expect(html.contains("<p class=\"values-shown\" role=\"alert\"><strong>Unmasked:</strong> Made with --show-values") == shown)
            #expect(junit.contains("<property name=\"values_shown\" value=\"true\"/>") == shown)
        }
    }

    @Test("findings agree in number: 1 value sits, 2 values sit")
    func plurals() {
        #expect(English.count(1, "identifier value") + " " + English.verb(1, one: "sits", many: "sit") == "1 identifier value sits")
        #expect(English.count(2, "identifier value") + " " + English.verb(2, one: "sits", many: "sit") == "2 identifier values sit")
        #expect(English.count(1, "query", plural: "queries") == "1 query")
        #expect(English.count(0, "day") == "0 days")
    }

    @Test("the fan-in histogram keeps empty buckets, so bars sit at their true distances")
    func histogramKeepsEmptyBuckets() throws {
        let (run, _) = try checkedRun()
        guard case .series(let series)? = try run.result("merge_fan_in").details.sections.first(where: { $0.key == "histogram" })?.content else {
            Issue.record("merge_fan_in has no histogram")
            return
        }
        #expect(series.points.map { $0.label.stringValue ?? "" } == ["1", "2", "3-5", "6-10", "11-50", "51-500", ">500"])
        #expect(series.points.contains { $0.value == 0 }, "the generated data leaves some bucket empty: \(series.points.map(\.value))")
    }

    @Test("history chart labels tell runs of one day apart")
    func historyLabels() {
        #expect(HTMLReport.runLabels(["2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z"]) == ["11-01", "11-02"])
        #expect(HTMLReport.runLabels(["2026-11-01T10:00:00Z", "2026-11-01T11:30:00Z"]) == ["10:00", "11:30"])
        #expect(HTMLReport.runLabels(["2026-11-01T10:00:01Z", "2026-11-01T10:00:02Z"]) == ["10:00:01", "10:00:02"])
        #expect(HTMLReport.runLabels(["2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "2026-11-02T09:00:00Z"]) == ["11-01 10:00", "11-01 11:00", "11-02 09:00"])
    }

    @Test("exit status: error beats fail beats warn")
    func exitStatus() {
        func run(_ statuses: [CheckStatus]) -> CheckRun {
            CheckRun(results: statuses.map { CheckResult(id: "x", title: "x", status: $0) }, graph: nil, startedAt: Date(), finishedAt: Date())
        }
        #expect(run([.pass, .skipped]).exitStatus() == 0)
        #expect(run([.pass, .warn]).exitStatus() == 0)
        #expect(run([.pass, .warn]).exitStatus(failOn: .warn) == 1)
        #expect(run([.warn, .fail]).exitStatus() == 1)
        #expect(run([.fail, .error]).exitStatus() == 3)
    }

    @Test("the verdict counts what did not pass, skipped checks included")
    func verdictCountsSkipped() {
        func run(_ statuses: [CheckStatus]) -> CheckRun {
            CheckRun(results: statuses.map { CheckResult(id: "x", title: "x", status: $0) }, graph: nil, startedAt: Date(), finishedAt: Date())
        }
        #expect(MarkdownReport.verdict(run([.fail, .fail, .fail, .warn, .warn, .warn] + Array(repeating: .skipped, count: 5))) == "❌ 3 failures, 3 warnings, 5 skipped")
        #expect(MarkdownReport.verdict(run([.pass, .skipped])) == "✅ healthy, 1 skipped")
        #expect(MarkdownReport.verdict(run([.pass, .pass])) == "✅ healthy")
        #expect(MarkdownReport.verdict(run([.error, .warn])) == "❌ 1 could not run, 1 warning")
        #expect(run([.skipped, .skipped]).nothingChecked != nil && run([.pass, .skipped]).nothingChecked == nil)
    }
}
