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

    @OptionGroup var time: AsOfOptions

    /// What the options ask for, as IDHealthKit's request.
    func request() throws -> MaterializationRequest {
        MaterializationRequest(mode: mode, fullRefresh: fullRefresh, lockWaitSeconds: lockWait, asOf: try time.pointInTime())
    }
}

/// `--as-of` and `--as-of-field`, which `materialize`, `check` and `run` share.
struct AsOfOptions: ParsableArguments {
    @Option(help: ArgumentHelp("As the graph stood at this time (UTC unless it names a zone): only raw rows that landed by then count. Needs a --target-schema of its own.", valueName: "TIMESTAMP"))
    var asOf: String?

    @Option(help: ArgumentHelp("Which time --as-of compares: uuid_ts (when the row landed, the default) or timestamp (when its event happened).", valueName: "field"))
    var asOfField: PointInTime.Field = .uuidTS

    /// The moment of `--as-of`, or nil; a value that is not a time is exit 2.
    func pointInTime() throws -> PointInTime? {
        guard let asOf else { return nil }
        guard let point = PointInTime.parse(asOf, field: asOfField) else {
            throw ConfigError("--as-of: `\(asOf)` is not a time; give YYYY-MM-DD HH:MM:SS[.ffffff] (UTC), an ISO 8601 time with a zone of at most ±14:00, or YYYY-MM-DD (a real day of the month)")
        }
        return point
    }

    /// With `--as-of`: the schemas to work with (``Materialization/pastSchemas(at:current:namedTarget:on:)``),
    /// said on stderr. Nil without `--as-of`.
    func schemas(common: CommonOptions, schemas: Schemas, database: any Database) throws -> Schemas? {
        guard let point = try pointInTime() else { return nil }
        let past = try Materialization.pastSchemas(at: point, current: schemas, namedTarget: common.targetSchema, on: database)
        Console.notice("as of \(point.cutoff) UTC: only raw rows with \(point.field.rawValue) <= \(point.cutoff) count")
        return past
    }

    /// "Now" for the checks: the moment itself when there is one.
    func now() throws -> Date {
        try pointInTime().flatMap { PointInTime.date(of: $0.cutoff) } ?? Date()
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
            let asOf = try Self.asOfSchemas(options, common: common, schemas: schemas, database: database)
            try Self.materialize(database: FaultInjection.wrap(database), schemas: asOf ?? schemas, configuration: configuration, options: options)
            return 0
        }
    }

    /// With `--as-of`: the past schemas, once the request is known to be one the past
    /// allows (table mode). Nil without `--as-of`.
    static func asOfSchemas(_ options: MaterializeOptions, common: CommonOptions, schemas: Schemas, database: any Database) throws -> Schemas? {
        try options.request().validate()
        return try options.time.schemas(common: common, schemas: schemas, database: database)
    }

    /// Runs a materialization (IDHealthKit's ``Materialization``) and prints what it did;
    /// shared by `materialize`, `run` and `demo`.
    @discardableResult
    static func materialize(database: any Database, schemas: Schemas, configuration: Configuration, options: MaterializeOptions) throws -> MaterializeSummary {
        let summary = try Materialization.run(options.request(), database: database, schemas: schemas, configuration: configuration,
                                              notice: Console.notice, progress: Console.progress)
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

extension PointInTime.Field: ExpressibleByArgument {}
