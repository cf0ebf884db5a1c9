import ArgumentParser
import Foundation
import IDHealthKit

/// `idhealth materialize`: builds id_graph, external_id_mapping and profile_traits.
struct Materialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build id_graph, external_id_mapping and profile_traits from the raw history."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "table (full rebuild), incremental or view. Only table is available in this version.")
    var mode: String?

    @Flag(help: "Rebuild everything from scratch (what table mode always does).")
    var fullRefresh = false

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration)
            try Self.materialize(database: database, schemas: schemas, configuration: configuration, modeOverride: mode)
            return 0
        }
    }

    /// Runs a materialization and prints what it did; shared by `materialize`, `run` and `demo`.
    static func materialize(database: any Database, schemas: Schemas, configuration: Configuration, modeOverride: String?) throws {
        var mode = configuration.mode
        if let modeOverride {
            guard let parsed = MaterializationMode(rawValue: modeOverride) else {
                throw ConfigError("--mode must be one of \(MaterializationMode.allCases.map(\.rawValue).joined(separator: ", ")), got `\(modeOverride)`")
            }
            mode = parsed
        }
        guard mode == .table else {
            throw ConfigError("materialization mode `\(mode.rawValue)` is not available in idhealth \(IDHealthVersion.current) yet; use `--mode table` (a full rebuild, swapped in atomically)")
        }
        let summary = try Materializer(database: database, schemas: schemas, traitNulls: configuration.traitNulls)
            .run(progress: Console.progress)
        Console.out("Materialized into \(schemas.target) (mode: table, traits.nulls: \(configuration.traitNulls.rawValue)):")
        for table in TableName.materializedTables {
            let rows = String(summary.rowsWritten[table] ?? 0)
            Console.out("  " + table.padding(toLength: 20, withPad: " ", startingAt: 0) + rows.leftPad(12) + " rows " + String(format: "%8.2fs", summary.seconds[table] ?? 0))
        }
        let read = TableName.rawTables.map { "\($0) \(summary.rowsRead[$0] ?? 0)" }.joined(separator: ", ")
        Console.out("  read: \(read)")
        let kinds = ["terminal", "merged", "chain", "dangling", "cycle", "into_cycle"]
            .map { "\($0) \(summary.resolution[$0] ?? 0)" }.joined(separator: ", ")
        Console.out(String(format: "  resolution (%.2fs): %@", summary.seconds["resolve"] ?? 0, kinds))
    }
}
