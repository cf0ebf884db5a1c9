import Foundation
import Testing
@testable import IDHealthSQL

/// The README's examples are run as written: what a new user copies must work.
@Suite("README examples")
struct ReadmeExampleTests {
    static let readme: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    /// The fenced code blocks of one language under a `## ` heading, as lines.
    static func blocks(_ language: String, under heading: String) -> [[String]] {
        guard let start = readme.range(of: "\n## " + heading + "\n") else { return [] }
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [[String]] = []
        var current: [String]?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```" + language { current = [] }
            else if current != nil, line == "```" { blocks.append(current!); current = nil }
            else { current?.append(String(line)) }
        }
        return blocks
    }

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test("the README's report excerpt is the recorded demo report, line for line")
    func reportExcerpt() throws {
        // The excerpt holds "## Graph" itself, so it is found by its fence, not its section.
        let start = try #require(Self.readme.range(of: "```markdown\n# Identity health"), "no report excerpt in the README")
        let end = try #require(Self.readme[start.upperBound...].range(of: "\n```\n"))
        let excerpt = ("# Identity health" + Self.readme[start.upperBound..<end.lowerBound]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let report = try String(contentsOf: Self.root.appendingPathComponent("reports/identity-health.md"), encoding: .utf8)
        let lines = Set(report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        #expect(excerpt.count > 10)
        for line in excerpt where line != "…" {
            #expect(lines.contains(line), "README shows a line reports/identity-health.md does not have: \(line)")
        }
    }

    @Test("the README's release build is the one the tests build and run without a toolchain")
    func releaseBuild() throws {
        let commands = try #require(Self.blocks("sh", under: "Using it on your data").first)
        let build = "swift build -c release --static-swift-stdlib"
        #expect(commands.contains { $0.hasPrefix(build) }, "\(commands)")
        let script = try String(contentsOf: Self.root.appendingPathComponent("scripts/test.sh"), encoding: .utf8)
        #expect(script.contains(build), "scripts/test.sh builds the release binary another way")
    }

    @Test("'Using it on your data': init finds the schema, run materializes and checks, and the Actions step writes the job summary once")
    func usingItOnYourData() throws {
        let commands = try #require(Self.blocks("sh", under: "Using it on your data").first, "no sh block in the README's section")
        let workflow = try #require(Self.blocks("yaml", under: "Using it on your data").first, "no yaml block in the README's section")
        let setup = commands.filter { $0.hasPrefix("idhealth ") }
        #expect(setup.count == 2, "\(commands)")
        let steps = workflow.compactMap { line -> String? in
            guard let range = line.range(of: "- run: ") else { return nil }
            return String(line[range.upperBound...])
        }
        #expect(!steps.isEmpty, "\(workflow)")
        try FirstRunTests.withOwnDatabase { url, _ in
            try CLI.withDirectory { directory in
                #expect(try CLI.run(["generate", "--database", url, "--source-schema", "profiles_sync", "--profiles", "100"], in: directory).status == 0)
                var statuses: [Int32] = []
                // init writes the URL without its password; libpq reads it from PGPASSWORD.
                let password = ["PGPASSWORD": URLComponents(string: url)?.password ?? ""]
                for command in setup {
                    // The README's example server becomes the test's own database.
                    let line = command.replacingOccurrences(of: #"'postgresql://[^']*'"#, with: "'\(url)'", options: .regularExpression)
                    let output = try CLI.shell(line, in: directory, environment: password)
                    statuses.append(output.status)
                    #expect(output.status <= 1, "`\(line)`: \(output.stderr)")
                }
                #expect(statuses == [0, 1], "init succeeds; run fails the gate on the generated anomalies")
                let summary = directory.appendingPathComponent("step-summary.md")
                FileManager.default.createFile(atPath: summary.path, contents: nil)
                for step in steps {
                    _ = try CLI.shell(step, in: directory, environment: password.merging(["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path]) { $1 })
                }
                let text = try String(contentsOf: summary, encoding: .utf8)
                #expect(text.components(separatedBy: "# Identity health: ").count - 1 == 1, "the report is in the job summary exactly once")
            }
        }
    }
}
