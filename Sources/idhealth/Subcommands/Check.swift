import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// Options of `idhealth check` (also used by `idhealth run`).
struct CheckOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run only these checks (comma-separated ids).", valueName: "ID,…"))
    var select: String?

    @Option(help: ArgumentHelp("Report formats to write, comma-separated.", valueName: "md,json,…"))
    var format: ReportFormats = .all

    @Option(help: ArgumentHelp("Folder for the reports (default: reports/ beside the config file).", valueName: "DIR"))
    var output: String?

    @Option(help: ArgumentHelp("Exit 1 from this status on: a failed check, or already a warning."))
    var failOn: FailOn = .fail

    @Flag(help: "Show external id values in reports unmasked.")
    var showValues = false

    @Flag(help: "Do not read or append idhealth_check_results (for read-only database users).")
    var noHistory = false

    @Option(help: ArgumentHelp("Explain this many of the worst profiles in sections of the HTML report (default 0: without the README's raw indexes each one reads the raw tables whole).", valueName: "N"))
    var explainWorst = 0

    @Flag(help: "Print the notifications the config's notify: would send, and send none.")
    var notifyDryRun = false

    @Flag(help: "Exit 3 when a notification cannot be delivered (default: a warning, and the data's exit status).")
    var failOnNotifyError = false

    var selection: [String]? {
        select.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func validate() throws {
        // Unknown ids are found when the custom checks are loaded (exit 2 all the same).
        if let selection, selection.isEmpty { throw ValidationError("--select needs at least one check id") }
        if explainWorst < 0 { throw ValidationError("--explain-worst must be zero or more") }
    }

    var formats: [ReportFormat] { format.formats }

    var failStatus: CheckStatus { failOn.status }
}

/// `idhealth check`: runs the identity-health checks and writes the reports.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the identity-health checks and write the reports.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: CheckOptions
    @OptionGroup var time: AsOfOptions

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            // Before anything runs: a notify: URL from an unset variable is exit 2 now.
            let notifier = try Notifier(configuration: configuration)
            let (opened, schemas) = try common.open(configuration)
            let database = FaultInjection.traced(opened)
            // As of a time: the raw rows that counted then, beside tables materialized as of then.
            let asOf = try time.schemas(common: common, schemas: schemas, database: database) ?? schemas
            return try Self.check(database: database, schemas: asOf, configuration: configuration, options: options, notifier: notifier,
                                  explainOptions: common.explainOptions(), now: try time.now())
        }
    }

    /// Runs the checks, writes the reports and records the run (``HealthCheck``), then prints
    /// a summary; returns the exit status.
    static func check(database: any Database, schemas: Schemas, configuration: Configuration, options: CheckOptions, notifier: Notifier,
                      explainOptions: [String], now: Date = Date(), rebuilt: MaterializeSummary? = nil) throws -> Int32 {
        var request = HealthCheck.Request(selection: options.selection, formats: options.formats, outputDirectory: options.output.map { URL(fileURLWithPath: $0) },
                                          failOn: options.failStatus, showValues: options.showValues, recordsHistory: !options.noHistory, now: now)
        if let rebuilt, rebuilt.rebuiltEverything { request.rebuiltByRun = rebuilt.runID }
        request.explainWorst = options.explainWorst
        request.explainOptions = explainOptions
        let outcome = try HealthCheck.run(database: database, schemas: schemas, configuration: configuration, request: request, progress: Console.progress)
        for warning in outcome.warnings { Console.error("warning: " + warning) }
        CIIntegration.publish(outcome.run, context: outcome.report, failOn: options.failStatus)

        let color = Console.usesColor
        // As wide as the longest id (custom ones can be long), so no id is cut.
        let idWidth = (outcome.run.results.map(\.id.count).max() ?? 0) + 2
        for result in outcome.run.results {
            let value = result.valueText ?? "-"
            let status = result.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            Console.out("  " + (color ? Console.colored(status, result.status) : status)
                + result.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + value.leftPad(10) + "  " + ReportText.visible(result.message ?? ""))
        }
        for url in outcome.written { Console.out("  wrote \(url.path)") }
        let delivered = notify(outcome, notifier: notifier, options: options)
        return !delivered && options.failOnNotifyError && outcome.exitStatus < 3 ? 3 : outcome.exitStatus
    }

    /// Sends the notifications `notify:` calls for (or prints them, with --notify-dry-run);
    /// false when one could not be delivered. The URLs stay secret: destinations are named
    /// by scheme and host.
    static func notify(_ outcome: HealthCheck.Outcome, notifier: Notifier, options: CheckOptions) -> Bool {
        let deliveries = notifier.deliver(outcome.run, context: outcome.report, exitStatus: outcome.exitStatus, dryRun: options.notifyDryRun)
        var delivered = true
        for delivery in deliveries {
            guard let reason = delivery.reason else {
                if options.notifyDryRun { Console.out("  notify \(delivery.label): nothing to send") }
                continue
            }
            if options.notifyDryRun {
                Console.out("  notify \(delivery.label): would send, because \(reason):")
                Console.out(String(decoding: delivery.body ?? Data(), as: UTF8.self))
            } else if let failure = delivery.failure {
                delivered = false
                Console.error("warning: notify \(delivery.label): not delivered: \(failure)")
            } else {
                Console.out("  notified \(delivery.label) (\(reason))")
            }
        }
        return delivered
    }
}

/// `idhealth run`: materialize, then check.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Materialize, then run the checks and write the reports.",
        // The parser shortens a usage this long to `<options>`; spelled out, it says what run takes.
        usage: """
            idhealth run [--config <FILE>] [--database <DB>] [--dialect <D>] [--source-schema <S>] [--target-schema <T>]
                         [--dbt-profile <NAME>] [--dbt-target <T>] [--profiles-dir <DIR>] [--dbt-project <DIR>]
                         [--mode <mode>] [--full-refresh] [--lock-wait <seconds>] [--as-of <time>] [--as-of-field <field>]
                         [--select <ID,…>] [--format <md,json,…>] [--output <DIR>] [--fail-on <fail-on>]
                         [--show-values] [--no-history] [--explain-worst <N>] [--notify-dry-run] [--fail-on-notify-error]
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: CheckOptions

    @OptionGroup var materialize: MaterializeOptions

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let notifier = try Notifier(configuration: configuration)
            let (opened, schemas) = try common.open(configuration)
            let database = FaultInjection.traced(opened)
            // As of a time, both steps read the raw rows that counted then.
            let asOf = try Materialize.asOfSchemas(materialize, common: common, schemas: schemas, database: database) ?? schemas
            let summary = try Materialize.materialize(database: database, schemas: asOf, configuration: configuration, options: materialize)
            let now = try materialize.time.now()
            return try Check.check(database: database, schemas: asOf, configuration: configuration, options: options, notifier: notifier,
                                   explainOptions: common.explainOptions(), now: now, rebuilt: summary)
        }
    }
}
