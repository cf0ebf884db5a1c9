import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthChecks
@testable import IDHealthCheckSQL

/// The built-in checks are the files of `checks/` and nothing else: each is its SQL file plus
/// at most one Swift file, and every list (the catalog, the runner, the config template) is
/// derived from them.
@Suite("The check catalog")
struct CheckCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every file of checks/ is embedded as it is, and declares its own id")
    func embedded() throws {
        let folder = Self.root.appendingPathComponent("checks")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        #expect(Set(EmbeddedChecks.files.keys) == Set(names.map { String($0.dropLast(4)) }))
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(EmbeddedChecks.files[String(name.dropLast(4))] == text, "\(name) is embedded as it is")
            #expect(BuiltinChecks.file(String(name.dropLast(4))).definition.id == String(name.dropLast(4)))
        }
    }

    @Test("the catalog is the checks' own headers, in their order; each Swift file belongs to one")
    func derived() throws {
        #expect(CheckCatalog.ids == ["merge_chains", "merge_fan_in", "merged_profile_traits", "external_id_collisions", "identifier_limits",
                                     "blocked_values", "external_id_hash", "duplicate_rows", "freshness", "materialization_drift", "merge_rate_anomaly"])
        #expect(!CheckCatalog.ids.contains("graph_stats"), "statistics are not a check")
        #expect(BuiltinChecks.runnable.map(\.definition.id) == CheckCatalog.ids)
        for (name, _) in BuiltinChecks.logic {
            #expect(CheckCatalog.definition(id: name) != nil, "Builtin/ has logic for \(name), which is no check")
        }
        let fanIn = try #require(CheckCatalog.definition(id: "merge_fan_in"))
        #expect(fanIn.title == "Merge fan-in and super-profiles")
        #expect(fanIn.parameters.map(\.name) == ["warn", "fail", "top"])
        #expect(fanIn.defaultValue("fail") == .threshold(Threshold(.greater, 500)))
        #expect(CheckCatalog.definition(id: "identifier_limits")?.defaultValue("limits") == .limits(["user_id": 1]))
        #expect(CheckCatalog.definition(id: "external_id_collisions")?.defaultValue("unique_id_types") == .strings(["user_id", "email"]))
        #expect(CheckCatalog.definition(id: "merge_rate_anomaly")?.defaultValue("factor") == .number(3))
        let template = ConfigTemplate.text()
        for id in CheckCatalog.ids { #expect(template.contains("  \(id):  # "), "idhealth init lists \(id)") }
    }

    @Test("a parameter line that does not parse names the file and the line")
    func badParameter() throws {
        let file = try CheckSQL(parsing: "-- id: x\n-- param warn (threshold) = lots | help\nSELECT 1", file: "x.sql")
        let error = try #require(throws: ConfigError.self) { try file.definition(fallbackID: "x") }
        #expect(error.message == "x.sql: the default `lots` of parameter warn is not a threshold")
        let kind = try CheckSQL(parsing: "-- id: x\n-- param warn (colour) = red | help\nSELECT 1", file: "x.sql")
        #expect(throws: ConfigError.self) { try kind.definition(fallbackID: "x") }
    }

    @Test("the README's check table is the checks' own headers: id, summary and judgment, in report order")
    func readmeTable() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| `") }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        let expected = CheckCatalog.all.map { check in
            "| `\(check.id)` | \(cell(check.summary)) | \(cell(check.judgment ?? "(no judgment header)")) |"
        }
        #expect(rows == expected, "regenerate the table from the headers of checks/*.sql")
    }

    @Test("each built-in check's judgment header agrees with its default thresholds")
    func judgmentsAgree() throws {
        for check in CheckCatalog.all {
            let judgment = try #require(check.judgment, "\(check.id) has no `-- judgment:` line")
            let warn = check.defaultValue("warn").flatMap { if case .threshold(let t) = $0 { return t.description } else { return nil } }
            let fail = check.defaultValue("fail").flatMap { if case .threshold(let t) = $0 { return t.description } else { return nil } }
            if judgment.hasPrefix("fail if any") { #expect(fail == "> 0", "\(check.id): \(String(describing: fail))") }
            if judgment.hasPrefix("warn if any") { #expect(warn == "> 0" && (fail == nil || fail == "never"), "\(check.id)") }
            if judgment.hasPrefix("warn above") { #expect(warn.map { judgment.contains($0.dropFirst(2)) } == true, "\(check.id): \(String(describing: warn))") }
        }
    }

    @Test("the typed parameter names are exactly the parameters the check files declare")
    func parameterNames() {
        let declared = Set(CheckCatalog.all.flatMap { $0.parameters.map(\.name) })
        #expect(Set(CheckParameterName.allCases.map(\.rawValue)) == declared)
    }
}
