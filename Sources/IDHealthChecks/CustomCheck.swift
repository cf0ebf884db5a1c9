import Foundation
import IDHealthSQL

/// A check a user added by dropping a `*.sql` file into the checks folder, as with dbt
/// singular tests: a comment header names it and its query returns the offending rows.
///
/// ```sql
/// -- id: trait_email_mismatch
/// -- title: Trait email disagrees with the profile's email ids
/// -- severity: warn            (the status when any row comes back; default fail)
/// -- warn: > 0                 (or thresholds on the row count instead)
/// -- fail: > 100
/// SELECT … FROM {{target.profile_traits}} … ORDER BY …
/// ```
///
/// A file that cannot be used becomes a check that reports `error` with the reason, so the
/// other checks still run.
struct CustomCheck: RunnableCheck {
    let definition: CheckDefinition
    let path: String
    let file: CheckSQL?
    let problem: String?
    var queryIsUsers: Bool { true }

    func readsCurrentPointers(_ context: CheckContext) -> Bool {
        file?.callsCurrentPointers ?? false
    }

    /// Loads every `*.sql` of the configured checks folder, in file-name order. Copies of the
    /// built-in checks (as in this repository's own `checks/`) are not custom checks.
    static func load(from settings: CheckSettings) throws -> [CustomCheck] {
        guard let folder = settings.checksFolder else { return [] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            if settings.checksFolderRequired {
                throw ConfigError("checks_folder \(folder.path) is not a folder: the custom checks it should hold would not run (fix the path, or remove checks_folder to run the built-in checks only)")
            }
            return []
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let builtins = Set(BuiltinChecks.files.values.map(\.text))
        var seen = Set(CheckCatalog.ids + ["graph_stats"])
        var checks: [CustomCheck] = []
        for name in names {
            let url = folder.appendingPathComponent(name)
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            if builtins.contains(text) { continue }
            var check = parse(text, path: url.path, fallbackID: Self.checkID(fromFileName: String(name.dropLast(4))))
            if check.problem == nil, !seen.insert(check.definition.id).inserted {
                check = CustomCheck(definition: check.definition, path: url.path, file: nil,
                                    problem: "\(url.path): check id `\(check.definition.id)` is already taken by another check")
            }
            checks.append(check)
        }
        return checks
    }

    /// A check id (`^[a-z][a-z0-9_]*$`, as the report's schema requires) made from a file name,
    /// for a file whose header does not say: `My Check-1` becomes `my_check_1`.
    static func checkID(fromFileName name: String) -> String {
        var id = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if !(id.first.map { $0.isLetter } ?? false) { id = "check_" + id }
        return id
    }

    static func parse(_ text: String, path: String, fallbackID: String) -> CustomCheck {
        func broken(_ problem: String, id: String = fallbackID) -> CustomCheck {
            CustomCheck(definition: CheckDefinition(id: id, title: id, summary: "custom check", parameters: []), path: path, file: nil, problem: "\(path): \(problem)")
        }
        let file: CheckSQL
        do {
            file = try CheckSQL(parsing: text, file: path, name: path)
        } catch {
            return broken(String(describing: error))
        }
        guard let id = file.header["id"], id.range(of: #"^[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil else {
            return broken("the header needs `-- id: name` (lower-case letters, digits and _)")
        }
        guard file.template("offenders") != nil else {
            return broken("no query: after the header, write a query that returns the offending rows", id: id)
        }
        let severity = file.header["severity"] ?? "fail"
        guard severity == "warn" || severity == "fail" else {
            return broken("`-- severity:` must be warn or fail, got `\(severity)`", id: id)
        }
        var warn = severity == "warn" ? Threshold(.greater, 0) : Threshold.never
        var fail = severity == "fail" ? Threshold(.greater, 0) : Threshold.never
        for (key, value) in [("warn", file.header["warn"]), ("fail", file.header["fail"])] {
            guard let value else { continue }
            guard let threshold = Threshold(parsing: value) else {
                return broken("`-- \(key): \(value)` is not a threshold such as > 0, >= 10 or never", id: id)
            }
            if key == "warn" { warn = threshold } else { fail = threshold }
        }
        let definition = CheckDefinition(
            id: id,
            title: file.header["title"] ?? id,
            summary: file.header["description"] ?? "custom check",
            parameters: [
                CheckParameter(name: "warn", kind: .threshold, defaultValue: .threshold(warn), help: ""),
                CheckParameter(name: "fail", kind: .threshold, defaultValue: .threshold(fail), help: ""),
            ]
        )
        return CustomCheck(definition: definition, path: path, file: file, problem: nil)
    }

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        guard let file, problem == nil else { throw ConfigError(problem ?? "\(path): unusable") }
        guard let (_, value, _) = try offenders(context, file, into: &result) else { return }
        result.details.set("file", .text(path))
        // A percentage threshold in a custom check is of the live profiles.
        judge(value: value, base: Double(context.graph?.profiles ?? 0), context: context, into: &result)
        if value > 0 { result.message = "\(value) offending rows" }
    }
}
