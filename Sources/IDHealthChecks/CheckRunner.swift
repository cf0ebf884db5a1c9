import Foundation
import IDHealthSQL
import IDHealthMaterialize

/// The outcome of one `idhealth check`: every result plus the graph statistics.
public struct CheckRun: Sendable {
    public let results: [CheckResult]
    public let graph: GraphStatistics?
    public let startedAt: Date
    public let finishedAt: Date
    /// Whether the samples show personal values as they are (`--show-values`): every report
    /// says so, so an unmasked report is never mistaken for a masked one.
    public var valuesShown = false
    /// Each check's result on the previous recorded run (from `idhealth_check_results`).
    public var previous: [String: PreviousResult] = [:]
    /// Each check's values on earlier recorded runs, oldest first (for the HTML charts).
    public var history: [String: [HistoryPoint]] = [:]

    /// The counts by status.
    public var summary: [CheckStatus: Int] {
        var counts: [CheckStatus: Int] = [:]
        for status in CheckStatus.allCases { counts[status] = 0 }
        for result in results { counts[result.status, default: 0] += 1 }
        return counts
    }

    /// The exit status of docs/command-line.md: 3 when a check could not run, 1 when one failed
    /// (or warned, with `--fail-on warn`), else 0.
    /// Why nothing was checked, when every check of the run was skipped: such a run is no
    /// verdict, so it must not pass a gate.
    public var nothingChecked: NothingCheckedError? {
        guard !results.isEmpty, results.allSatisfy({ $0.status == .skipped }) else { return nil }
        return NothingCheckedError(skipped: results.map { NothingCheckedError.Skip(id: $0.id, reason: $0.message ?? "skipped", cause: $0.skipCause) })
    }

    public func exitStatus(failOn: CheckStatus = .fail) -> Int32 {
        if results.contains(where: { $0.status == .error }) { return 3 }
        if results.contains(where: { $0.status == .fail }) { return 1 }
        if failOn == .warn, results.contains(where: { $0.status == .warn }) { return 1 }
        return 0
    }
}

/// Runs the selected checks, built-in ones in catalog order and then the custom ones. A check
/// that throws becomes `error` with the message and the others still run; a check whose
/// tables are missing, or that needs what the database lacks, is `skipped` with the reason.
public struct CheckRunner {

    public let context: CheckContext
    public let clock: @Sendable () -> Date

    public init(context: CheckContext, clock: @escaping @Sendable () -> Date = Date.init) {
        self.context = context
        self.clock = clock
    }

    /// Checks a `--select` list against the known ids.
    static func validate(selection: [String]?, known: [String]) throws {
        guard let selection else { return }
        for id in selection where !known.contains(id) {
            throw ConfigError("--select: unknown check `\(id)`; known checks: \(known.joined(separator: ", "))")
        }
    }

    public func run(selection: [String]? = nil, progress: (String) -> Void = { _ in }) throws -> CheckRun {
        let customs = try CustomCheck.load(from: context.settings)
        let checks: [any RunnableCheck] = BuiltinChecks.runnable + customs
        try Self.validate(selection: selection, known: checks.map(\.definition.id))
        let startedAt = clock()
        let requirements = SchemaRequirements(database: context.database, schemas: context.schemas)
        try requirements.requireSource()
        try requirements.requireTarget()
        var context = self.context
        try context.probeCapabilities()
        context.graph = try GraphStatistics.read(context)
        var results: [CheckResult] = []
        var pointersTried = false
        defer { context.sharedPointers?.drop(context.database) }
        for check in checks {
            let definition = check.definition
            if let selection, !selection.contains(definition.id) { continue }
            var result = CheckResult(id: definition.id, title: definition.title, status: .pass)
            if selection == nil, !context.settings.isEnabled(definition) {
                result.skip(.disabled, "disabled in the config file")
                results.append(result)
                continue
            }
            progress("check \(definition.id)")
            let start = Date()
            do {
                if !pointersTried, check.readsCurrentPointers(context) {
                    pointersTried = true
                    context.sharedPointers = try SharedPointers.create(context)
                    context.renderer.sharedPointers = context.sharedPointers?.table
                }
                try check.run(context, into: &result)
                if let shared = context.sharedPointers, check.readsCurrentPointers(context), !result.queries.isEmpty {
                    result.queries.insert(shared.creation, at: 0)
                }
            } catch let interrupted as InterruptedError {
                // A signal stops the whole run, not just this check.
                throw interrupted
            } catch let unavailable as CheckUnavailable {
                result.skip(.unsupported, unavailable.reason)
            } catch let error as DatabaseError {
                result.status = .error
                result.message = error.description
            } catch {
                result.status = .error
                result.message = String(describing: error)
            }
            result.durationMilliseconds = Int(Date().timeIntervalSince(start) * 1000)
            results.append(result)
        }
        var run = CheckRun(results: results, graph: context.graph, startedAt: startedAt, finishedAt: clock())
        run.valuesShown = context.showValues
        return run
    }
}

/// Every check of a run was skipped. A missing table or column, or checks all turned off, is
/// the user's to fix (exit 2); a database that cannot run any of them is the tool's (exit 3).
public struct NothingCheckedError: ClassifiedError, Sendable {
    public struct Skip: Sendable {
        public let id: String
        public let reason: String
        public let cause: SkipCause?
    }
    public let skipped: [Skip]

    public var kind: FailureKind {
        if skipped.contains(where: { $0.cause == .missingInput }) { return .unusableInput }
        if skipped.contains(where: { $0.cause == .disabled }) { return .invalidRequest }
        return .database
    }

    public var description: String {
        (["nothing was checked: every selected check was skipped, so this run is no verdict and no report was written"]
            + skipped.map { "  \($0.id): \($0.reason)" }).joined(separator: "\n")
    }
}
