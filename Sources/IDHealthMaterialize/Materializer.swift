import Foundation
import IDHealthSQL

/// What one materialization did, for the console and `idhealth_runs`.
public struct MaterializeSummary: Sendable {
    public var runID = RunID.make()
    /// The mode asked for.
    public var mode: MaterializationMode = .table
    public var traitNulls: TraitNulls = .keepLastValue
    /// Why an incremental run rebuilt everything instead (first run, `--full-refresh`, …); nil
    /// when it ran incrementally or the mode was `table` or `view`.
    public var fullRefreshReason: String?
    /// Whether the run rewrote only what new rows touched.
    public var incremental: Bool { mode == .incremental && fullRefreshReason == nil }
    /// Whether every table was rebuilt from the whole raw history (a table-mode run, or an
    /// incremental one that fell back to a full rebuild): then the tables equal a rebuild.
    public var rebuiltEverything: Bool { mode == .table || (mode == .incremental && fullRefreshReason != nil) }
    /// Raw rows read per raw table.
    public var rowsRead: [String: Int64] = [:]
    /// Rows written (inserted or rewritten) per current-state table.
    public var rowsWritten: [String: Int64] = [:]
    /// Rows removed per current-state table because their raw rows were deleted upstream.
    public var rowsDeleted: [String: Int64] = [:]
    /// Rows per current-state table after the run.
    public var tableRows: [String: Int64] = [:]
    /// Resolution outcome by kind (`terminal`, `merged`, `chain`, `dangling`, `cycle`,
    /// `into_cycle`) for a full rebuild; `re_resolved` (how many) for an incremental run.
    public var resolution: [String: Int64] = [:]
    /// Seconds spent per step.
    public var seconds: [String: Double] = [:]
    /// The trait columns of `profile_traits`.
    public var traitColumns: [String] = []
    /// Trait columns this run added to `profile_traits`.
    public var addedTraitColumns: [String] = []
    /// Columns of `profile_traits_updates` left out of the traits because `profile_traits`
    /// has a column of that name itself (docs/semantics.md, "profile_traits").
    public var columnsNotTraits: [String] = []
}

/// Builds `id_graph`, `external_id_mapping` and `profile_traits` from the raw history
/// (docs/semantics.md), entirely in the database, in one of three modes.
///
/// * `table`: a full rebuild into `idhealth_stage_*` tables, swapped in with renames inside
///   one transaction, so readers see either the previous tables or the new ones.
/// * `incremental`: reads only rows landed since the last run and rewrites, in one
///   transaction, exactly the rows they touch (``IncrementalUpdate``). The result equals a
///   full rebuild of the same data; the first run is a full rebuild.
/// * `view`: plain view definitions (``ViewDefinitions``).
///
/// Every mode takes the target schema's materialization lock first, and records the run in
/// `idhealth_runs`.
public struct Materializer {
    public let database: any Database
    public let schemas: Schemas
    public let traitNulls: TraitNulls
    /// How far before the last high-water mark an incremental run starts reading (docs/semantics.md, "The incremental invariant").
    public let etlOverlapHours: Double
    /// How long a statement waits for a lock a reader of the current tables holds before the
    /// run gives up (docs/semantics.md, "Atomic and locked"): a PostgreSQL swap queued behind
    /// an open transaction also queues every new reader behind it, so the wait is bounded.
    public let lockTimeoutSeconds: Double
    /// The run's `etl_ts`, injected so tests and reports are deterministic.
    public let clock: @Sendable () -> Date

    public init(database: any Database, schemas: Schemas, traitNulls: TraitNulls = .keepLastValue, etlOverlapHours: Double = 2,
                lockTimeoutSeconds: Double = Materializer.defaultLockTimeoutSeconds, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.schemas = schemas
        self.traitNulls = traitNulls
        self.etlOverlapHours = etlOverlapHours
        self.lockTimeoutSeconds = lockTimeoutSeconds
        self.clock = clock
    }

    /// The default of `materialization.lock_timeout`.
    public static let defaultLockTimeoutSeconds: Double = 30

    /// Runs one materialization in `mode`; `fullRefresh` makes an incremental run rebuild.
    /// `lockWaitSeconds` is how long to wait for another materialization of the same target;
    /// `notice` hears about the wait (a log should show it), `progress` about each step.
    public func run(mode: MaterializationMode = .table, fullRefresh: Bool = false, lockWaitSeconds: Double = 0,
                    notice: (String) -> Void = { _ in }, progress: (String) -> Void = { _ in }) throws -> MaterializeSummary {
        try SchemaRequirements(database: database, schemas: schemas).requireSourceExists()
        // The target schema is created only once the raw tables have passed validation: a
        // run refused for bad input leaves nothing behind, not even an empty schema.
        let targetExists = (try? database.useSchema(schemas.target, create: false)) != nil
        let lock = try MaterializationLock.acquire(database: database, schema: schemas.target, waitSeconds: lockWaitSeconds, notice: notice)
        defer { lock.release() }
        try database.setLockWait(seconds: lockTimeoutSeconds)

        let started = Date()
        var summary = MaterializeSummary()
        summary.mode = mode
        summary.traitNulls = traitNulls
        let work = WorkTables(database: database, schema: schemas.target, token: Self.token())
        defer { try? work.dropAll(includingStage: true) }
        if targetExists { try work.dropAll(includingStage: true) }
        do {
            switch mode {
            case .view:
                try ViewDefinitions(materializer: self).create(into: &summary, progress: progress)
                try database.inTransaction {
                    try RunLog(database: database, schema: schemas.target).record(summary, status: "succeeded", started: started, finished: Date(), work: nil)
                }
            case .table, .incremental:
                let log = RunLog(database: database, schema: schemas.target)
                if mode == .incremental, let previous = try incrementalBase(fullRefresh: fullRefresh, targetExists: targetExists, into: &summary) {
                    var temporary = work
                    temporary.workSchema = database.dialect.temporarySchema
                    defer { try? temporary.dropAll(includingStage: false) }
                    try temporary.dropAll(includingStage: false)
                    try IncrementalUpdate(materializer: self, work: temporary, previous: previous)
                        .run(into: &summary, started: started, progress: progress)
                } else {
                    try fullRebuild(work: work, started: started, log: log, into: &summary, progress: progress)
                }
            }
        } catch let error as InputError {
            throw error
        } catch let error as ConfigError {
            throw error
        } catch {
            // The run's own transaction is rolled back; say so in the log where possible.
            try? RunLog(database: database, schema: schemas.target).record(summary, status: "failed", started: started, finished: Date(), work: nil, message: String(describing: error))
            if let error = error as? DatabaseError, error.isLockTimeout { throw blocked(error) }
            throw error
        }
        return summary
    }

    /// The error of a run that gave up waiting for a lock: who holds it, and that nothing changed.
    func blocked(_ error: DatabaseError) -> MaterializationLockedError {
        let tables = WorkTables.stagedTables.map { schemas.target($0) }
        let holders = (try? database.lockHolders(of: tables)) ?? []
        let who = holders.isEmpty ? "another session (\(error.message))" : holders.joined(separator: "; ")
        return MaterializationLockedError(message: "the tables of \(schemas.target) stayed locked for \(Self.seconds(lockTimeoutSeconds)) s (materialization.lock_timeout) by \(who). Nothing was changed; run again when it is done, or raise materialization.lock_timeout.")
    }

    static func seconds(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }

    /// The previous run an incremental run continues from, or nil (with the reason set on the
    /// summary) when it must rebuild everything.
    func incrementalBase(fullRefresh: Bool, targetExists: Bool, into summary: inout MaterializeSummary) throws -> RunLog.PreviousRun? {
        if fullRefresh {
            summary.fullRefreshReason = "--full-refresh"
            return nil
        }
        guard database.dialect.changesRowsInPlace else {
            summary.fullRefreshReason = "this Spark's tables are not Delta Lake's (spark.sql.sources.default), so rows cannot be deleted or merged in place"
            return nil
        }
        guard targetExists else {
            summary.fullRefreshReason = "first run: schema \(schemas.target) does not exist yet"
            return nil
        }
        guard let previous = try RunLog(database: database, schema: schemas.target).previous() else {
            summary.fullRefreshReason = "first run: no successful materialization in \(schemas.target).\(TableName.runs)"
            return nil
        }
        for table in TableName.materializedTables + TableName.stateTables {
            let kind = try database.relationKind(schemas.target(table))
            if kind != .table {
                summary.fullRefreshReason = kind == nil ? "\(schemas.target).\(table) is missing" : "\(schemas.target).\(table) is a view (view mode ran last)"
                return nil
            }
        }
        if previous.traitNulls != traitNulls.rawValue {
            summary.fullRefreshReason = "traits.nulls changed from \(previous.traitNulls) to \(traitNulls.rawValue)"
            return nil
        }
        return previous
    }

    /// A full rebuild: stage everything, then swap it in together with the run's log row.
    func fullRebuild(work: WorkTables, started: Date, log: RunLog, into summary: inout MaterializeSummary, progress: (String) -> Void) throws {
        let d = database.dialect
        let built = try build(work: work, recordingHighWater: true, progress: progress)
        summary.rowsRead = built.rowsRead
        summary.resolution = built.resolution
        summary.seconds.merge(built.seconds) { $1 }
        summary.traitColumns = built.traitColumns
        summary.columnsNotTraits = built.columnsNotTraits
        summary.rowsDeleted = try deletedByRebuild(work: work)
        let start = Date()
        try database.inTransaction {
            if summary.rowsDeleted[TableName.idGraph] != nil {
                try DeletedSegments(database: database, schema: schemas.target).record(
                    gone: "SELECT g.segment_id FROM \(table: work.name("gone_segments")) g",
                    back: "SELECT s.segment_id FROM \(table: work.stageName(TableName.idGraph)) s", at: .timestamp(literal: Self.utcText(clock())), runID: summary.runID)
            }
            if database.exchangesTables {
                // Snowflake: each table exchanged with its staged copy in one atomic statement,
                // since its DDL commits on its own and a drop and a rename would leave a
                // moment with no table (Dialect.replaceTable).
                try dropViews()
                for table in WorkTables.stagedTables {
                    for statement in d.replaceTable(schemas.target(table), with: work.stageName(table)) { try database.execute(statement) }
                }
            } else {
                try dropCurrent()
                for table in WorkTables.stagedTables {
                    try database.execute(d.renameTable(work.stageName(table), to: table))
                }
            }
            for table in TableName.materializedTables {
                let rows = try database.scalar("SELECT COUNT(*) FROM \(table: schemas.target(table))").intValue ?? 0
                summary.rowsWritten[table] = rows
                summary.tableRows[table] = rows
            }
            try log.record(summary, status: "succeeded", started: started, finished: Date(), work: work)
        }
        for table in WorkTables.stagedTables {
            if let analyze = d.analyzeNewTable(schemas.target(table)) { try database.execute(analyze) }
        }
        summary.seconds["swap"] = Date().timeIntervalSince(start)
    }

    /// Drops the current tables or views (dependent views first), inside the caller's transaction.
    /// Drops whatever of the current tables is a view (left by `--mode view`), which an
    /// exchange cannot take the place of.
    func dropViews() throws {
        for table in WorkTables.stagedTables.reversed() where try database.relationKind(schemas.target(table)) == .view {
            try database.execute(database.dialect.dropRelation(schemas.target(table), kind: .view))
        }
    }

    func dropCurrent() throws {
        for table in WorkTables.stagedTables.reversed() {
            if let kind = try database.relationKind(schemas.target(table)) {
                try database.execute(database.dialect.dropRelation(schemas.target(table), kind: kind))
            }
        }
    }

    /// Keys of the current tables that a rebuild no longer has: what upstream deletions removed.
    /// Only asked when the current tables are idhealth's (not views, not missing). The
    /// segment_ids gone from `id_graph` are kept in the `gone_segments` work table, for
    /// ``DeletedSegments``.
    func deletedByRebuild(work: WorkTables) throws -> [String: Int64] {
        var deleted: [String: Int64] = [:]
        for table in TableName.materializedTables {
            guard try database.relationKind(schemas.target(table)) == .table, let key = TableName.materializedKeys[table] else { continue }
            let gone: SQL = "SELECT o.\(ident: key) AS \(ident: key) FROM \(table: schemas.target(table)) o WHERE NOT EXISTS (SELECT 1 FROM \(table: work.stageName(table)) s WHERE s.\(ident: key) = o.\(ident: key))"
            if table == TableName.idGraph {
                try database.execute("CREATE TABLE \(table: work.name("gone_segments")) AS \(sql: gone)")
                deleted[table] = try database.scalar("SELECT COUNT(*) FROM \(table: work.name("gone_segments"))").intValue ?? 0
            } else {
                deleted[table] = try database.scalar("SELECT COUNT(*) FROM (\(sql: gone)) g").intValue ?? 0
            }
        }
        return deleted
    }

    /// Records each raw table's latest `uuid_ts` before anything is read, in the `hwm` work
    /// table: rows landing during the run are read again by the next one, never skipped.
    /// Also records, in `settled` and `settled_rows`, the time before which rows count as
    /// settled (high-water mark minus `etl_overlap`: by Profiles Sync's contract nothing
    /// lands there later) and how many there are, so the next incremental run can tell from
    /// a count whether anything settled was deleted since.
    ///
    /// `carried` gives, per raw table, a previous run's settled count still true now and that
    /// run's settled time: the new count is then that count plus the rows between the two
    /// settled times (minus them, if the overlap grew), a small range instead of a count of
    /// the whole table.
    func captureHighWater(work: WorkTables, carried: [String: (recorded: Int64, since: SQL)] = [:]) throws {
        for statement in Self.highWaterStatements(schemas: schemas, etlOverlapHours: etlOverlapHours, work: work, carried: carried) {
            try database.execute(statement)
        }
    }

    /// The statements of ``captureHighWater(work:carried:)``, which a plan written to files
    /// runs too (without `carried`: it counts the settled rows in full).
    static func highWaterStatements(schemas: Schemas, etlOverlapHours: Double, work: WorkTables, carried: [String: (recorded: Int64, since: SQL)] = [:]) -> [SQL] {
        let columns = TableName.rawTables.map { table -> SQL in
            "(SELECT MAX(u.uuid_ts) FROM \(table: schemas.source(table)) u) AS \(ident: table)"
        }
        let settled = TableName.rawTables.map { table -> SQL in
            "\(sql: .minusHours("h.\(ident: table)", etlOverlapHours)) AS \(ident: table)"
        }
        let counts = TableName.rawTables.map { table -> SQL in
            let raw = schemas.source(table)
            let now: SQL = "(SELECT s.\(ident: table) FROM \(table: work.name("settled")) s)"
            guard let (recorded, since) = carried[table] else {
                return "(SELECT COUNT(*) FROM \(table: raw) u WHERE u.uuid_ts <= \(sql: now)) AS \(ident: table)"
            }
            return "(CAST(\(bind: .integer(recorded)) AS \(type: .integer)) + (SELECT COUNT(*) FROM \(table: raw) u WHERE u.uuid_ts > \(sql: since) AND u.uuid_ts <= \(sql: now))"
                + " - (SELECT COUNT(*) FROM \(table: raw) u WHERE u.uuid_ts > \(sql: now) AND u.uuid_ts <= \(sql: since))) AS \(ident: table)"
        }
        return [
            "CREATE TABLE \(table: work.name("hwm")) AS SELECT \(sql: columns.joined(separator: ", "))",
            "CREATE TABLE \(table: work.name("settled")) AS SELECT \(sql: settled.joined(separator: ", ")) FROM \(table: work.name("hwm")) h",
            "CREATE TABLE \(table: work.name("settled_rows")) AS SELECT \(sql: counts.joined(separator: ", "))",
        ]
    }

    /// Builds the three tables and the state tables as `<stage prefix><table>` beside the
    /// current ones, without swapping them in (the drift check compares them). The caller
    /// owns the work and staging tables. A materialization also records the raw tables'
    /// high-water marks (``captureHighWater(work:carried:)``), right after validating them;
    /// the drift check has no use for them.
    package func build(work: WorkTables, recordingHighWater: Bool = false, progress: (String) -> Void = { _ in }) throws -> MaterializeSummary {
        progress("validating raw tables in \(schemas.source)")
        let raw = RawTables(database: database, schema: schemas.source)
        let traitColumns = try raw.validate()
        if recordingHighWater { try database.useSchema(schemas.target, create: true) }
        if recordingHighWater { try captureHighWater(work: work) }
        var summary = MaterializeSummary()
        summary.traitColumns = traitColumns.map(\.name)
        summary.columnsNotTraits = try raw.columnsNotTraits()
        for table in TableName.rawTables {
            summary.rowsRead[table] = try database.scalar("SELECT COUNT(*) FROM \(table: schemas.source(table))").intValue ?? 0
        }
        let etl = SQL.timestamp(literal: Self.utcText(clock()))
        func timed(_ step: String, _ body: () throws -> Void) rethrows {
            progress(step)
            let start = Date()
            try body()
            summary.seconds[step] = Date().timeIntervalSince(start)
        }
        let steps = RebuildStatements(schemas: schemas, work: work, traitColumns: traitColumns, traitNulls: traitNulls, etl: etl)
        func run(_ statements: [SQL]) throws {
            for statement in statements { try database.execute(statement) }
        }
        try timed("resolve") {
            try run(steps.pointerTable())
            summary.resolution = try steps.resolver.resolve(on: database)
        }
        try timed(TableName.idGraph) { try run(steps.graphTable()) }
        try timed(TableName.externalIDMapping) { try run(steps.mappingTable()) }
        try timed(TableName.profileTraits) { try run(steps.traitsTables()) }
        return summary
    }

    package static func token() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    package static func utcText(_ date: Date) -> String {
        UTCTime.format(Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}
