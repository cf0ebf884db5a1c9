import ArgumentParser
import Foundation
import IDHealthKit

/// Options of `idhealth check` (also used by `idhealth run`).
struct CheckOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run only these checks (comma-separated ids).", valueName: "ID,…"))
    var select: String?

    @Option(help: ArgumentHelp("Report formats to write: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ",")).", valueName: "md,json"))
    var format: String = ReportFormat.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp("Folder for the reports (default: reports/ beside the config file).", valueName: "DIR"))
    var output: String?

    @Option(help: ArgumentHelp("Exit 1 on `fail` (default) or already on `warn`.", valueName: "fail|warn"))
    var failOn: String = "fail"

    @Flag(help: "Show external id values in reports unmasked.")
    var showValues = false

    @Flag(help: "Do not read or append idhealth_check_results (for read-only database users).")
    var noHistory = false

    var selection: [String]? {
        select.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func validate() throws {
        for name in format.split(separator: ",") where ReportFormat(rawValue: name.trimmingCharacters(in: .whitespaces)) == nil {
            throw ValidationError("--format: unknown format `\(name)`; choose from \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard failOn == "fail" || failOn == "warn" else {
            throw ValidationError("--fail-on must be `fail` or `warn`, got `\(failOn)`")
        }
        // Unknown ids are found when the custom checks are loaded (exit 2 all the same).
        if let selection, selection.isEmpty { throw ValidationError("--select needs at least one check id") }
    }

    var formats: [ReportFormat] {
        format.split(separator: ",").compactMap { ReportFormat(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }

    var failStatus: CheckStatus { failOn == "warn" ? .warn : .fail }
}

/// `idhealth check`: runs the identity-health checks and writes the reports.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the identity-health checks and write the reports.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: CheckOptions

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration)
            return try Self.check(database: database, schemas: schemas, configuration: configuration, options: options)
        }
    }

    /// Runs the checks, writes the reports, records the run in `idhealth_check_results`,
    /// prints a summary; returns the exit status.
    static func check(database: any Database, schemas: Schemas, configuration: Configuration, options: CheckOptions, now: Date = Date()) throws -> Int32 {
        let context = CheckContext(database: database, schemas: schemas, configuration: configuration, showValues: options.showValues, now: now)
        var run = try CheckRunner(context: context).run(selection: options.selection, progress: Console.progress)
        let history = CheckHistory(database: database, schema: schemas.target)
        let runID = UUID().uuidString.lowercased()
        if !options.noHistory {
            do {
                run.previous = try history.previous()
                run.history = try history.series()
            } catch {
                Console.error("warning: cannot read \(CheckHistory.table), reports show no trend: \(error)")
            }
        }
        let directory = options.output.map { URL(fileURLWithPath: $0) }
            ?? configuration.output.map(configuration.resolve)
            ?? configuration.baseDirectory.appendingPathComponent("reports")
        let report = ReportContext(runID: runID, engine: database.dialect.engine, target: database.target, schemas: schemas)
        let written = try ReportWriter(directory: directory.standardizedFileURL).write(run, context: report, formats: options.formats, failOn: options.failStatus)
        if !options.noHistory {
            do {
                try history.append(run, runID: runID)
            } catch {
                // A read-only user still gets the reports; the trend just does not advance.
                Console.error("warning: cannot record this run in \(schemas.target).\(CheckHistory.table) (use --no-history for read-only users): \(error)")
            }
        }
        CIIntegration.publish(run, context: report, failOn: options.failStatus)

        let color = Console.usesColor
        for result in run.results {
            let value = result.value.map(String.init) ?? "-"
            let status = result.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            Console.out("  " + (color ? Console.colored(status, result.status) : status)
                + result.id.padding(toLength: 24, withPad: " ", startingAt: 0) + value.leftPad(10) + "  " + (result.message ?? ""))
        }
        for url in written { Console.out("  wrote \(url.path)") }
        return run.exitStatus(failOn: options.failStatus)
    }
}

/// `idhealth run`: materialize, then check.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Materialize, then run the checks and write the reports.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: CheckOptions

    @OptionGroup var materialize: MaterializeOptions

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration)
            try Materialize.materialize(database: database, schemas: schemas, configuration: configuration, options: materialize)
            return try Check.check(database: database, schemas: schemas, configuration: configuration, options: options)
        }
    }
}
