import Foundation
import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// One `idhealth check` as a library call: run the checks, read their history for the
/// trends, write the reports, record the run. The command line only parses and prints.
public enum HealthCheck {
    /// What to check and where the reports go.
    public struct Request: Sendable {
        /// Check ids to run; nil for all enabled checks.
        public var selection: [String]?
        public var formats: [ReportFormat]
        /// The report folder; nil for the configuration's (`output`, else `reports/` beside it).
        public var outputDirectory: URL?
        /// The status that makes the run exit 1: `fail`, or already `warn`.
        public var failOn: CheckStatus
        /// Reports show external id values unmasked.
        public var showValues: Bool
        /// Read and append `idhealth_check_results`; off for read-only users.
        public var recordsHistory: Bool
        /// The clock `freshness` judges by.
        public var now: Date
        /// The id of the materialization that rebuilt all tables in this same run, if one did.
        public var rebuiltByRun: String?
        /// How many of the worst profiles the HTML report explains in sections of its own
        /// (`--explain-worst`). Off by default: without the raw indexes the README recommends,
        /// each explanation reads the raw tables whole (3.5 minutes at 5M profiles on SQLite).
        public var explainWorst = 0
        /// The options every `idhealth explain` command in the reports carries, so that it
        /// reaches this database from any folder (``ReportContext/explainOptions``).
        public var explainOptions: [String] = []

        public init(selection: [String]? = nil, formats: [ReportFormat] = ReportFormat.allCases, outputDirectory: URL? = nil,
                    failOn: CheckStatus = .fail, showValues: Bool = false, recordsHistory: Bool = true, now: Date = Date()) {
            self.selection = selection
            self.formats = formats
            self.outputDirectory = outputDirectory
            self.failOn = failOn
            self.showValues = showValues
            self.recordsHistory = recordsHistory
            self.now = now
        }
    }

    /// What a check run did.
    public struct Outcome: Sendable {
        public let run: CheckRun
        public let report: ReportContext
        /// The report files written.
        public let written: [URL]
        /// What went wrong without stopping the run (history unreadable or not recorded).
        public let warnings: [String]
        /// The exit status the run deserves (docs/command-line.md).
        public let exitStatus: Int32
    }

    /// `idhealth explain` of the first sample row naming a profile in each failing check,
    /// then each warning one, up to `count` different ids; one that cannot be
    /// explained (tables not built by idhealth, say) is left out with a warning.
    static func explainWorst(_ count: Int, _ run: CheckRun, database: any Database, schemas: Schemas, configuration: Configuration,
                             showValues: Bool, warnings: inout [String]) -> [(id: String, text: String)] {
        var ids: [String] = []
        for status in [CheckStatus.fail, .warn] {
            for result in run.results where result.status == status {
                guard let id = result.samples.lazy.compactMap({ ReportText.explainedID(columns: result.sampleColumns, row: $0) }).first,
                      !ids.contains(id) else { continue }
                ids.append(id)
            }
        }
        return ids.prefix(count).compactMap { id in
            do {
                let explanation = try Explanation.explain(id, database: database, schemas: schemas, masker: Masker(showValues: showValues),
                                                          traitNulls: configuration.traitNulls, settings: configuration.checkSettings)
                return (id, explanation.text(markdown: false))
            } catch {
                warnings.append("the HTML report does not explain \(id): \(error)")
                return nil
            }
        }
    }

    public static func run(database: any Database, schemas: Schemas, configuration: Configuration, request: Request,
                           progress: (String) -> Void = { _ in }) throws -> Outcome {
        // A check waits for another session's lock as long as a materialization would
        // (`materialization.lock_timeout`), then fails with `error` rather than hanging a
        // nightly job behind, say, an ACCESS EXCLUSIVE lock a migration forgot to release.
        try database.setLockWait(seconds: configuration.lockTimeoutSeconds)
        try RawTables.requireKeys(database: database, schema: schemas.source)
        var context = CheckContext(database: database, schemas: schemas, settings: configuration.checkSettings, showValues: request.showValues, now: request.now)
        context.rebuiltByRun = request.rebuiltByRun
        var run = try CheckRunner(context: context).run(selection: request.selection, progress: progress)
        if let nothing = run.nothingChecked { throw nothing }
        let history = CheckHistory(database: database, schema: schemas.target)
        let runID = RunID.make()
        var warnings: [String] = []
        if request.recordsHistory {
            do {
                run.previous = try history.previous()
                run.history = try history.series()
            } catch {
                warnings.append("cannot read \(CheckHistory.table), reports show no trend: \(error)")
            }
        }
        let directory = request.outputDirectory
            ?? configuration.output.map(configuration.resolve)
            ?? configuration.baseDirectory.appendingPathComponent("reports")
        var report = ReportContext(runID: runID, engine: database.dialect.engine, target: database.target, schemas: schemas)
        report.explainOptions = request.explainOptions
        if request.formats.contains(.html), request.explainWorst > 0 {
            report.explanations = explainWorst(request.explainWorst, run, database: database, schemas: schemas, configuration: configuration,
                                               showValues: request.showValues, warnings: &warnings)
        }
        let written = try ReportWriter(directory: directory.standardizedFileURL).write(run, context: report, formats: request.formats, failOn: request.failOn)
        if request.recordsHistory {
            do {
                try history.append(run, runID: runID)
            } catch {
                // A read-only user still gets the reports; the trend just does not advance.
                warnings.append("cannot record this run in \(schemas.target).\(CheckHistory.table) (use --no-history for read-only users): \(error)")
            }
        }
        return Outcome(run: run, report: report, written: written, warnings: warnings, exitStatus: run.exitStatus(failOn: request.failOn))
    }
}
