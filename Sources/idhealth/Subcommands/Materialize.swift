import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// The options `materialize` and `run` share.
struct MaterializeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("incremental rewrites only what the rows landed since the last run touch, table rebuilds everything, view writes plain views (default: `mode:` in the config file, else incremental)."))
    var mode: MaterializationMode?

    @Flag(help: "In incremental mode, rebuild everything from scratch this time.")
    var fullRefresh = false

    @Option(name: .customLong("lock-wait"), help: ArgumentHelp("Seconds to wait for another materialization of the same target to finish before giving up.", valueName: "seconds"))
    var lockWait: Double = 0

    func resolvedMode(_ configuration: Configuration) -> MaterializationMode {
        mode ?? configuration.mode
    }
}

/// `idhealth materialize`: builds id_graph, external_id_mapping and profile_traits.
struct Materialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build id_graph, external_id_mapping and profile_traits from the raw history."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: MaterializeOptions

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration)
            try Self.materialize(database: FaultInjection.wrap(database), schemas: schemas, configuration: configuration, options: options)
            return 0
        }
    }

    /// Runs a materialization and prints what it did; shared by `materialize`, `run` and `demo`.
    @discardableResult
    static func materialize(database: any Database, schemas: Schemas, configuration: Configuration, options: MaterializeOptions) throws -> MaterializeSummary {
        let mode = options.resolvedMode(configuration)
        guard options.lockWait >= 0 else { throw ConfigError("--lock-wait must be zero or more seconds, got \(options.lockWait)") }
        let materializer = Materializer(database: database, schemas: schemas, traitNulls: configuration.traitNulls, etlOverlapHours: configuration.etlOverlapHours,
                                        lockTimeoutSeconds: configuration.lockTimeoutSeconds)
        let summary = try materializer.run(mode: mode, fullRefresh: options.fullRefresh, lockWaitSeconds: options.lockWait, notice: Console.notice, progress: Console.progress)
        report(summary, schemas: schemas)
        return summary
    }

    static func report(_ summary: MaterializeSummary, schemas: Schemas) {
        var how = summary.mode.rawValue
        if let reason = summary.fullRefreshReason { how += ", full rebuild: " + reason }
        Console.out("Materialized into \(schemas.target) (mode: \(how); traits.nulls: \(summary.traitNulls.rawValue); run \(summary.runID)):")
        if summary.mode == .view {
            Console.out("  created views \(TableName.materializedTables.joined(separator: ", ")) over \(schemas.source)'s raw tables (\(summary.traitColumns.count) trait columns)")
            return
        }
        Console.out("  " + "table".padding(toLength: 20, withPad: " ", startingAt: 0) + "written".leftPad(12) + "deleted".leftPad(10) + "rows now".leftPad(12) + "time".leftPad(9))
        for table in TableName.materializedTables {
            let step = table == TableName.idGraph ? "resolve" : table
            let seconds = (summary.seconds[step] ?? 0) + (table == TableName.idGraph && !summary.incremental ? summary.seconds[TableName.idGraph] ?? 0 : 0)
            Console.out("  " + table.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(summary.rowsWritten[table] ?? 0).leftPad(12)
                + String(summary.rowsDeleted[table] ?? 0).leftPad(10)
                + String(summary.tableRows[table] ?? 0).leftPad(12)
                + String(format: "%8.2fs", seconds))
        }
        let read = TableName.rawTables.map { "\($0) \(summary.rowsRead[$0] ?? 0)" }.joined(separator: ", ")
        Console.out("  read: \(read)")
        if !summary.columnsNotTraits.isEmpty {
            Console.out("  not traits: profile_traits_updates.\(summary.columnsNotTraits.joined(separator: ", ")) (profile_traits holds a column of that name itself)")
        }
        if !summary.addedTraitColumns.isEmpty {
            Console.out("  new trait columns added to profile_traits: \(summary.addedTraitColumns.joined(separator: ", "))")
        }
        if summary.incremental {
            Console.out("  re-resolved \(summary.resolution["re_resolved"] ?? 0) segment_ids (every one that resolved like a segment_id the new or deleted rows touch)")
        } else {
            let kinds = ["terminal", "merged", "chain", "dangling", "cycle", "into_cycle"]
                .map { "\($0) \(summary.resolution[$0] ?? 0)" }.joined(separator: ", ")
            Console.out("  resolved all segment_ids: \(kinds)")
        }
    }
}
