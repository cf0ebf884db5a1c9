import Foundation
import Testing

/// `reports/` holds the reports of the demo data (its default seed and size), so the README
/// can link to real, current examples. This test regenerates them and fails when they differ
/// from what is committed. Run times, durations, the run id and the temporary path are
/// normalised. To record new examples: `IDHEALTH_RECORD_EXAMPLES=1 scripts/test.sh --filter
/// ExampleReport`, which writes them and then fails, so a recording never passes for a test.
@Suite("Example reports")
struct ExampleReportTests {
    static let files = ["identity-health.md", "identity-health.json", "identity-health.junit.xml", "identity-health.html"]

    static func normalise(_ text: String, folder: String) -> String {
        var text = text.replacingOccurrences(of: folder, with: "idhealth-demo")
        let rules: [(String, String)] = [
            (#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"#, "2026-11-28T01:00:00Z"),
            (#""duration_ms" : \d+"#, #""duration_ms" : 0"#),
            (#"time="[0-9.]+""#, #"time="0.000""#),
            (#"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#, "00000000-0000-0000-0000-000000000000"),
            // The drift check's random sample of profiles holds a different number of
            // external ids each run.
            (#"with their \d+ external ids"#, "with their 2000 external ids"),
            (#""sampled" : \{\s*"external_id_mapping" : \d+"#, "\"sampled\" : {\n          \"external_id_mapping\" : 2000"),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }

    @Test("reports/ holds the current reports of `idhealth demo`")
    func examples() throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(["demo", "--dir", "demo"], in: directory)
            #expect(output.status == 0, "\(output.stderr)")
            let generated = directory.appendingPathComponent("demo").standardizedFileURL
            let committed = ReportValidation.repository.appendingPathComponent("reports")
            let record = ProcessInfo.processInfo.environment["IDHEALTH_RECORD_EXAMPLES"] == "1"
            for file in Self.files {
                let text = Self.normalise(try String(contentsOf: generated.appendingPathComponent("reports/\(file)"), encoding: .utf8), folder: generated.path)
                let target = committed.appendingPathComponent(file)
                if record {
                    try text.write(to: target, atomically: true, encoding: .utf8)
                    continue
                }
                let expected = try? String(contentsOf: target, encoding: .utf8)
                #expect(expected == text, "reports/\(file) is not the current demo report: record it again (see this test's doc comment)")
            }
            #expect(!record, "recorded the example reports: rerun without IDHEALTH_RECORD_EXAMPLES")
        }
    }

    @Test("every sample row that names a profile carries the idhealth explain command for it, in every format")
    func explainCommands() throws {
        let folder = ReportValidation.repository.appendingPathComponent("reports")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("identity-health.json"))) as? [String: Any]
        let markdown = try String(contentsOf: folder.appendingPathComponent("identity-health.md"), encoding: .utf8)
        let html = try String(contentsOf: folder.appendingPathComponent("identity-health.html"), encoding: .utf8)
        var named = 0
        for check in report?["checks"] as? [[String: Any]] ?? [] {
            for sample in check["samples"] as? [[String: Any]] ?? [] {
                guard let profile = ["canonical_segment_id", "segment_id", "first_profile"].lazy.compactMap({ sample[$0] as? String }).first else {
                    #expect(sample["explain"] == nil, "\(check["id"] ?? "?"): a row without a profile has no command")
                    continue
                }
                named += 1
                // With the demo's config by its path (the temporary folder reads idhealth-demo here).
                #expect(sample["explain"] as? String == "idhealth explain \(profile) --config idhealth-demo/idhealth.yml", "\(check["id"] ?? "?")")
                #expect(markdown.contains("| `idhealth explain \(profile) --config idhealth-demo/idhealth.yml` |"), "Markdown row of \(profile)")
                #expect(html.contains("idhealth explain \(profile)"), "HTML row of \(profile)")
            }
        }
        #expect(named >= 9, "the demo's samples name profiles (merge_chains alone has 9)")
        // The HTML explains the worst few profiles in sections of their own, which the sample
        // rows naming them link to: every link lands on a section, and there are three.
        let links = Set(html.components(separatedBy: "<a href=\"#explain-").dropFirst().compactMap { $0.split(separator: "\"").first.map { "explain-" + $0 } })
        let sections = Set(html.components(separatedBy: "<section id=\"explain-").dropFirst().compactMap { $0.split(separator: "\"").first.map { "explain-" + $0 } })
        #expect(sections.count == 3, "\(sections)")
        #expect(!links.isEmpty && links.isSubset(of: sections), "links \(links), sections \(sections)")
        #expect(html.contains("<h2>The worst profiles, explained</h2>"))
        #expect(html.contains("Members, in the order they joined"))
    }

    @Test("a report's explain command works from any folder: it carries the config (or the database) by its absolute path")
    func explainFromElsewhere() throws {
        try CLI.withDirectory { directory in
            let project = directory.appendingPathComponent("project"), elsewhere = directory.appendingPathComponent("elsewhere")
            for folder in [project, elsewhere] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            #expect(try CLI.run(["generate", "--database", "graph.sqlite", "--profiles", "200"], in: project).status == 0)
            try "database: graph.sqlite\n".write(to: project.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            #expect(try CLI.run(["run", "--format", "json"], in: project).status == 1)
            let withConfig = try Self.firstExplain(project.appendingPathComponent("reports/identity-health.json"))
            #expect(withConfig.contains("--config \(project.standardizedFileURL.path)/idhealth.yml"), "\(withConfig)")
            let explained = try CLI.shell(withConfig, in: elsewhere)
            #expect(explained.status == 0, "`\(withConfig)` from another folder: \(explained.stderr)")

            // Without a config file, the database the command line named, by its absolute path.
            try FileManager.default.removeItem(at: project.appendingPathComponent("idhealth.yml"))
            #expect(try CLI.run(["check", "--database", "graph.sqlite", "--format", "json", "--output", "out"], in: project).status == 1)
            let withDatabase = try Self.firstExplain(project.appendingPathComponent("out/identity-health.json"))
            #expect(withDatabase.contains("--database \(project.standardizedFileURL.path)/graph.sqlite"), "\(withDatabase)")
            #expect(try CLI.shell(withDatabase, in: elsewhere).status == 0)
        }
    }

    /// The first `explain` command of a JSON report's samples.
    static func firstExplain(_ url: URL) throws -> String {
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let commands = (report?["checks"] as? [[String: Any]] ?? []).flatMap { $0["samples"] as? [[String: Any]] ?? [] }.compactMap { $0["explain"] as? String }
        return try #require(commands.first, "no sample names a profile")
    }
}
