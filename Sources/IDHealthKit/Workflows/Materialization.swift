import Foundation
import IDHealthSQL
import IDHealthMaterialize

/// What `materialize` does (and `run` before its checks), decided here rather than in the
/// command line: which mode, the lock wait, and with `--as-of` which schemas.
package struct MaterializationRequest: Sendable {
    /// nil: the configuration's `mode:` (incremental unless set).
    package var mode: MaterializationMode?
    package var fullRefresh: Bool
    package var lockWaitSeconds: Double
    /// The moment of `--as-of`, nil for now.
    package var asOf: PointInTime?

    package init(mode: MaterializationMode? = nil, fullRefresh: Bool = false, lockWaitSeconds: Double = 0, asOf: PointInTime? = nil) {
        self.mode = mode
        self.fullRefresh = fullRefresh
        self.lockWaitSeconds = lockWaitSeconds
        self.asOf = asOf
    }

    /// Exit 2 for a mode the past does not allow: as of a moment the state is rebuilt whole.
    package func validate() throws {
        if asOf != nil, let mode, mode != .table {
            throw ConfigError("--as-of rebuilds the tables as of then (table mode); --mode \(mode.rawValue) does not apply")
        }
    }

    /// The mode to run in: table mode as of a moment, else the one asked for or configured.
    package func resolvedMode(_ configuration: Configuration) throws -> MaterializationMode {
        try validate()
        return asOf != nil ? .table : mode ?? configuration.mode
    }
}

package enum Materialization {
    /// As of `point`: the raw tables' views of the rows that count then (in the connection's
    /// schema for views) and the target the user named, which may never be where the current
    /// tables are (nor the raw tables' schema).
    package static func pastSchemas(at point: PointInTime, current: Schemas, namedTarget: String?, on database: any Database) throws -> Schemas {
        guard let target = namedTarget, target != current.source else {
            throw ConfigError("--as-of works on the past state in a schema of its own, never on the current tables: name it with --target-schema (not the raw tables' schema \(current.source))")
        }
        return Schemas(source: try point.viewRawTables(of: current.source, on: database), target: target)
    }

    /// Runs the materialization the request asks for; `notice` and `progress` report as it goes.
    package static func run(_ request: MaterializationRequest, database: any Database, schemas: Schemas, configuration: Configuration,
                           notice: @escaping (String) -> Void = { _ in }, progress: @escaping (String) -> Void = { _ in }) throws -> MaterializeSummary {
        let mode = try request.resolvedMode(configuration)
        guard request.lockWaitSeconds >= 0 else { throw ConfigError("--lock-wait must be zero or more seconds, got \(request.lockWaitSeconds)") }
        let materializer = Materializer(database: database, schemas: schemas, traitNulls: configuration.traitNulls, etlOverlapHours: configuration.etlOverlapHours,
                                        lockTimeoutSeconds: configuration.lockTimeoutSeconds)
        return try materializer.run(mode: mode, fullRefresh: request.fullRefresh, lockWaitSeconds: request.lockWaitSeconds, notice: notice, progress: progress)
    }
}
