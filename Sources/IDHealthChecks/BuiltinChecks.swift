import IDHealthSQL
import IDHealthCheckSQL

/// The Swift half of a built-in check: `Builtin/<Name>Check.swift` beside `checks/<name>.sql`,
/// for a check whose judgment or details take more than counting its offenders. The build
/// finds it by that name (the EmbedCheckFiles plugin); a check without one runs as a custom
/// check does.
protocol BuiltinCheck: RunnableCheck {
    /// The id in the check file's header.
    static var id: String { get }
    init()
    /// The check as compiled SQL (``CheckCompiler``): its verdict and its queries, offenders
    /// first; throws ``CheckUnavailable`` with the reason for a check that has no compiled form.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)])
}

extension BuiltinCheck {
    var definition: CheckDefinition { BuiltinChecks.file(Self.id).definition }

    func readsCurrentPointers(_ context: CheckContext) -> Bool {
        BuiltinChecks.file(Self.id).sql.callsCurrentPointers
    }
}

/// Every file of `checks/` (``EmbeddedChecks``, embedded at build time) parsed once, with the
/// Swift logic of each check that has some (`logic`, listed at build time from `Builtin/`).
enum BuiltinChecks {
    /// One parsed built-in file and the Swift logic that runs it, if it has any.
    struct File: Sendable {
        let name: String
        /// The file as it is in `checks/`.
        let text: String
        let sql: CheckSQL
        let definition: CheckDefinition
        let order: Int?
        let logic: (any BuiltinCheck.Type)?
    }

    /// Every built-in file by name (`merge_chains`), checks and statistics alike.
    static let files: [String: File] = {
        var files: [String: File] = [:]
        for (name, text) in EmbeddedChecks.files {
            do {
                let sql = try CheckSQL(parsing: text, file: "checks/\(name).sql")
                let definition = try sql.definition(fallbackID: name)
                precondition(definition.id == name, "checks/\(name).sql declares id \(definition.id)")
                files[name] = File(name: name, text: text, sql: sql, definition: definition, order: sql.header["order"].flatMap { Int($0) }, logic: logic[name])
            } catch {
                // The files are part of the build; a broken one is caught by the tests.
                preconditionFailure("checks/\(name).sql: \(error)")
            }
        }
        return files
    }()

    /// The built-in checks (files with an `order`), in that order.
    static let checks: [File] = files.values.filter { $0.order != nil && $0.sql.header["kind"] != "statistics" }
        .sorted { ($0.order ?? 0, $0.name) < ($1.order ?? 0, $1.name) }

    static func file(_ name: String) -> File {
        guard let file = files[name] else { preconditionFailure("no built-in check file checks/\(name).sql") }
        return file
    }

    /// What the runner runs for each built-in check: its Swift logic, or its SQL alone.
    static var runnable: [any RunnableCheck] {
        checks.map { file -> any RunnableCheck in
            if let logic = file.logic { return logic.init() }
            return CustomCheck(definition: file.definition, path: "checks/\(file.name).sql", file: file.sql, problem: nil)
        }
    }
}
