import Foundation
import Testing

/// Validates written reports with real consumers: the `jsonschema` package against the
/// committed JSON Schema, and `junitparser` reading the JUnit file (scripts/test.sh installs
/// both).
enum ReportValidation {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let script = #"""
import json, sys
import jsonschema, junitparser
folder, schema_path = sys.argv[1], sys.argv[2]
report = json.load(open(folder + "/identity-health.json"))
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
import os
if not os.path.exists(folder + "/identity-health.junit.xml"):
    print(json.dumps({"cases": -1, "failures": -1, "errors": -1, "skipped": -1}))
    sys.exit(0)
xml = junitparser.JUnitXml.fromfile(folder + "/identity-health.junit.xml")
suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
cases = [case for suite in suites for case in suite]
failed = sum(1 for case in cases if any(isinstance(r, junitparser.Failure) for r in case.result))
errors = sum(1 for case in cases if any(isinstance(r, junitparser.Error) for r in case.result))
skipped = sum(1 for case in cases if any(isinstance(r, junitparser.Skipped) for r in case.result))
print(json.dumps({"cases": len(cases), "failures": failed, "errors": errors, "skipped": skipped}))
"""#

    struct JUnitCounts: Decodable, Equatable {
        let cases: Int
        let failures: Int
        let errors: Int
        let skipped: Int
    }

    /// Opens the HTML report in headless Chromium and returns the DOM it rendered.
    static func renderHTML(_ file: URL, windowWidth: Int = 1280, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        process.arguments = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                             "--virtual-time-budget=2000", "--window-size=\(windowWidth),900", "--dump-dom", file.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium could not render \(file.path)", sourceLocation: sourceLocation)
        return String(decoding: data, as: UTF8.self)
    }

    /// How much wider than a 1280-pixel window the HTML report lays out (0 when it fits), as
    /// Chromium measures it: a wide table must scroll in its own box, not widen the page.
    static func overflowPixels(_ file: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let probe = file.deletingLastPathComponent().appendingPathComponent("overflow-probe.html")
        defer { try? FileManager.default.removeItem(at: probe) }
        let html = try String(contentsOf: file, encoding: .utf8)
        let script = "<script>document.body.setAttribute('data-overflow', String(document.documentElement.scrollWidth - document.documentElement.clientWidth))</script></body>"
        try html.replacingOccurrences(of: "</body>", with: script).write(to: probe, atomically: true, encoding: .utf8)
        let dom = try renderHTML(probe, windowWidth: 1280, sourceLocation: sourceLocation)
        guard let range = dom.range(of: #"data-overflow="(-?[0-9]+)""#, options: .regularExpression) else {
            Issue.record("the probe did not run in \(file.path)", sourceLocation: sourceLocation)
            return -1
        }
        return Int(dom[range].filter { $0.isNumber || $0 == "-" }) ?? -1
    }

    /// Validates the JSON report and reads the JUnit file; returns the JUnit counts (-1 when
    /// the run wrote no JUnit file).
    static func validate(_ folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> JUnitCounts {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder.path, repository.appendingPathComponent("schema/identity-health.schema.json").path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "report validation failed: \(errorText)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(JUnitCounts.self, from: data)
    }
}
