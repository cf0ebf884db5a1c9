import Foundation
import IDHealthSQL

/// An incremental materialization: reads the raw rows landed since the previous run's
/// high-water mark minus `etl_overlap` and rewrites exactly the rows they touch, so the
/// result equals a full rebuild of all the data (docs/semantics.md, "The incremental invariant"; proven by the property test).
///
/// Every lookup into a large table goes through `IN (SELECT … FROM work table)` or a
/// correlated scalar subquery, so SQLite, which has no statistics on the work tables, still
/// probes the large table's index instead of scanning it.
///
/// Why the affected set is enough: a segment_id's canonical depends only on the pointers
/// along its path. If a touched segment_id `t` (a new or vanished pointer row) lies on the
/// path of `x`, then `x` had the same canonical as `t` before the run. So every segment_id
/// whose previous canonical is the previous canonical of some touched id (or a touched id
/// itself) is re-resolved; any pointer leaving that set ends at an untouched path whose
/// canonical cannot have changed, and is replaced by that canonical. Every new cycle lies
/// inside the set, so cycles are broken exactly as in a full rebuild.
///
/// Deletions upstream (GDPR) are found with anti-joins (`EXCEPT`, which SQLite runs with a
/// temporary b-tree rather than a correlated scan) of the state tables against the raw
/// tables' keys: a state row whose raw row is gone is touched like a new one, and its key's
/// remaining raw rows (if any) are re-read. Everything that changes the target schema
/// happens in one transaction together with the run's `idhealth_runs` row.
struct IncrementalUpdate {
    let schemas: Schemas
    let d: Dialect
    let traitNulls: TraitNulls
    let etlOverlapHours: Double
    let work: WorkTables
    /// Where the statements go: a connection runs each as it comes and answers the run's
    /// questions; a plan writes them down (``plannedStatements(traits:)``).
    let destination: Destination
    /// The previous run, for a run on a connection (a plan finds it in SQL).
    let previous: RunLog.PreviousRun?
    let clock: @Sendable () -> Date

    enum Destination {
        case connection(any Database)
        case plan(Planned)
    }

    /// The statements of an update written down, in order.
    final class Planned {
        var statements: [SQL] = []
    }

    init(materializer: Materializer, work: WorkTables, previous: RunLog.PreviousRun) {
        schemas = materializer.schemas
        d = materializer.database.dialect
        traitNulls = materializer.traitNulls
        etlOverlapHours = materializer.etlOverlapHours
        self.work = work
        destination = .connection(materializer.database)
        self.previous = previous
        clock = materializer.clock
    }

    /// An update written down as statements, for `idhealth compile --mode incremental`.
    init(planFor schemas: Schemas, dialect: Dialect, traitNulls: TraitNulls, etlOverlapHours: Double, work: WorkTables) {
        self.schemas = schemas
        d = dialect
        self.traitNulls = traitNulls
        self.etlOverlapHours = etlOverlapHours
        self.work = work
        destination = .plan(Planned())
        previous = nil
        clock = Date.init
    }
    /// Per raw table, the previous run's cutoff for new rows, its settled time and how many
    /// rows it counted before that time; read once at the start of the run.
    let bounds = Bounds()

    final class Bounds {
        var cutoff: [String: SQLValue] = [:]
        var settled: [String: SQLValue] = [:]
        var settledRows: [String: Int64] = [:]
    }

    /// The connection, for a run on one; nil for a plan.
    var connection: (any Database)? {
        if case .connection(let database) = destination { return database }
        return nil
    }
    /// The connection of a run (only a run on a connection asks for it).
    var database: any Database { connection! }
    var source: String { schemas.source }
    var target: String { schemas.target }

    func raw(_ table: String) -> QualifiedName { schemas.source(table) }
    func current(_ table: String) -> QualifiedName { schemas.target(table) }
    /// A count for the run's summary; a plan does not read anything back (0).
    func count(_ sql: SQL) throws -> Int64 { connection == nil ? 0 : try database.scalar(sql).intValue ?? 0 }
    /// Runs a statement (returning the rows it changed), or writes it down.
    @discardableResult
    func exec(_ sql: SQL) throws -> Int {
        switch destination {
        case .connection(let database): return try database.execute(sql)
        case .plan(let planned):
            planned.statements.append(sql)
            return 0
        }
    }

    /// How many raw rows a latest row stands for, and its rank: idhealth's own columns beside
    /// the trait columns, so they start with `_idh_` (docs/semantics.md).
    static let rowsRead = "_idh_rows_read"

    /// Everything, reads included, runs in one transaction: its settings (a small-work plan
    /// on PostgreSQL) stay inside it, and a kill or an error anywhere changes nothing.
    func run(into summary: inout MaterializeSummary, started: Date, progress: (String) -> Void) throws {
        try database.inTransaction {
            for setting in d.settingsForSmallUpdates { try exec(setting) }
            try update(into: &summary, started: started, progress: progress)
        }
    }

    /// The earliest time there is, for a raw table no run has read yet.
    static let epoch = SQL.timestamp(literal: "0001-01-01 00:00:00")

    /// Creates the `since` work table: per raw table, the previous run's cutoff for new rows
    /// (its high-water mark minus `etl_overlap`), settled time and settled count.
    func createSince(previousRun: SQL) throws {
        let epoch = Self.epoch
        let cutoffs = TableName.rawTables.map { table -> SQL in
            "COALESCE(\(sql: .minusHours("r.\(ident: RunLog.highWaterColumn(table))", etlOverlapHours)), \(sql: epoch)) AS \(ident: table)"
        }
        let settledColumns = TableName.rawTables.flatMap { table -> [SQL] in
            ["r.\(ident: RunLog.settledBeforeColumn(table)) AS \(ident: "settled_" + table)", "r.\(ident: RunLog.settledRowsColumn(table)) AS \(ident: "settled_rows_" + table)"]
        }
        try exec("CREATE TABLE \(table: work.name("since")) AS SELECT \(sql: (cutoffs + settledColumns).joined(separator: ", ")) FROM \(table: current(TableName.runs)) r WHERE \(sql: previousRun)")
    }

    func update(into summary: inout MaterializeSummary, started: Date, progress: (String) -> Void) throws {
        try createSince(previousRun: "r.run_id = \(bind: .text(previous!.runID))")

        progress("validating new rows in \(source)")
        // The cutoffs and settled times as values, to bind (see RawTables.newRows).
        let since = try database.firstRow("SELECT * FROM \(table: work.name("since"))")
        for table in TableName.rawTables {
            bounds.cutoff[table] = since?[table] ?? .null
            bounds.settled[table] = since?["settled_" + table] ?? .null
            bounds.settledRows[table] = since?["settled_rows_" + table].intValue
        }
        let rawTables = RawTables(database: database, schema: source)
        let rawTraits = try rawTables.validate(cutoffs: bounds.cutoff)
        summary.columnsNotTraits = try rawTables.columnsNotTraits()
        // Which raw tables lost no settled rows since the last run decides how deletions are
        // looked for, and lets this run's settled count follow from the last one's.
        var carried: [String: (recorded: Int64, since: SQL)] = [:]
        for table in TableName.rawTables {
            if let recorded = try settledRowsUnchanged(table) { carried[table] = (recorded, settled(table)) }
        }
        let unchanged = Set(carried.keys)
        for statement in Materializer.highWaterStatements(schemas: schemas, etlOverlapHours: etlOverlapHours, work: work, carried: carried) {
            try exec(statement)
        }
        let traits = try TraitColumns.reconcile(raw: rawTraits, state: database.columnTypes(current(TableName.stateTraits)), schemas: schemas, dialect: d)
        summary.traitColumns = traits.all.map(\.name)
        summary.addedTraitColumns = traits.added.map(\.name)
        let etl = SQL.timestamp(literal: Materializer.utcText(clock()))

        func timed(_ step: String, _ body: () throws -> Void) rethrows {
            progress(step)
            let start = Date()
            try body()
            summary.seconds[step, default: 0] += Date().timeIntervalSince(start)
        }
        for column in traits.added {
            for table in [TableName.stateTraits, TableName.profileTraits] {
                try exec(d.addColumn(ColumnDefinition(column.name, column.type), to: current(table)))
            }
        }
        let window = { (table: String) in
            RawWindow(cutoff: RawTables.boundTime(bounds.cutoff[table] ?? .null),
                      compared: unchanged.contains(table) ? RawTables.newRows("x", cutoff: bounds.settled[table] ?? .null) : nil)
        }
        try timed("resolve") { try updateGraph(into: &summary, etl: etl, window: window) }
        try timed(TableName.externalIDMapping) { try updateMapping(into: &summary, etl: etl, window: window) }
        try timed(TableName.profileTraits) { try updateTraits(traits, into: &summary, etl: etl, window: window) }
        for table in TableName.materializedTables {
            summary.tableRows[table] = try count("SELECT COUNT(*) FROM \(table: current(table))")
        }
        try RunLog(database: database, schema: target).record(summary, status: "succeeded", started: started, finished: Date(), work: work)
    }

    /// The whole update as statements, for a plan written to files (`idhealth compile --mode
    /// incremental`): what ``update(into:started:progress:)`` runs, with each answer it asks
    /// the database for written as SQL the engine evaluates instead. The previous run is the
    /// log's latest successful one; the cutoffs are read from the `since` work table; whether
    /// a raw table lost settled rows is a `CASE` over the same count (in the `compare_from`
    /// work table: where it did, every state row is compared); the settled counts are counted
    /// in full; the resolution takes its fixed number of passes; and the run's row carries no
    /// counts. `traits` are the trait columns the state tables already have: a plan adds
    /// none (a new trait column needs a table-mode run).
    func plannedStatements(traits columns: [TraitColumn]) throws -> [SQL] {
        var summary = MaterializeSummary()
        let since = work.name("since"), compareFrom = work.name("compare_from")
        try createSince(previousRun: RunLog.plannedPrevious(schema: target))
        let compared = TableName.rawTables.map { table -> SQL in
            let settled: SQL = "(SELECT c.\(ident: "settled_" + table) FROM \(table: since) c)"
            let recorded: SQL = "(SELECT c.\(ident: "settled_rows_" + table) FROM \(table: since) c)"
            return "CASE WHEN (SELECT COUNT(*) FROM \(table: raw(table)) u WHERE u.uuid_ts <= \(sql: settled)) = \(sql: recorded) THEN \(sql: settled) ELSE \(sql: Self.epoch) END AS \(ident: table)"
        }
        try exec("CREATE TABLE \(table: compareFrom) AS SELECT \(sql: compared.joined(separator: ", "))")
        for statement in Materializer.highWaterStatements(schemas: schemas, etlOverlapHours: etlOverlapHours, work: work) {
            try exec(statement)
        }
        let window = { (table: String) in
            RawWindow(cutoff: "(SELECT c.\(ident: table) FROM \(table: since) c)",
                      compared: RawTables.newRows("x", after: "(SELECT w.\(ident: table) FROM \(table: compareFrom) w)"))
        }
        let traits = TraitColumns(all: columns.map { (name: $0.name, type: d.portableType(ofDeclared: $0.declaredType)) }, added: [],
                                  raw: Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        try updateGraph(into: &summary, etl: .now, window: window)
        try updateMapping(into: &summary, etl: .now, window: window)
        try updateTraits(traits, into: &summary, etl: .now, window: window)
        for statement in RunLog.plannedRecord(schema: target, mode: .incremental, traitNulls: traitNulls, work: work, dialect: d) {
            try exec(statement)
        }
        guard case .plan(let planned) = destination else { return [] }
        return planned.statements
    }

    /// Indexes a work table and gathers its statistics, so both planners know it is small
    /// and probe the large tables' indexes from it instead of scanning them.
    func index(_ base: String, _ columns: [String], unique: Bool = false) throws {
        if let index = work.index(base, columns: columns, unique: unique) { try exec(index) }
        if let analyze = d.analyzeWorkTable(work.name(base)) { try exec(analyze) }
    }

    // MARK: - Deletions

    /// The previous run's settled time of a raw table, as SQL.
    func settled(_ rawTable: String) -> SQL {
        "(SELECT c.\(ident: "settled_" + rawTable) FROM \(table: work.name("since")) c)"
    }

    /// The previous run's settled count when the raw table still has exactly that many rows
    /// landed before its settled time (nothing settled was deleted), nil otherwise.
    func settledRowsUnchanged(_ rawTable: String) throws -> Int64? {
        guard let recorded = bounds.settledRows[rawTable] else { return nil }
        let now = try database.scalar("SELECT COUNT(*) FROM \(table: raw(rawTable)) u WHERE u.uuid_ts <= \(sql: RawTables.boundTime(bounds.settled[rawTable] ?? .null))").intValue
        return now == recorded ? recorded : nil
    }

    /// Creates the work table `base(key)`: the keys of `state` rows whose raw row is gone (deleted upstream),
    /// plus the keys `plus` selects.
    ///
    /// A cheap count decides how much to compare: if the raw table still has as many rows
    /// landed before the previous run's settled time as that run counted, nothing settled
    /// was deleted, and only state rows landed after it (the overlap window and new rows)
    /// are compared. Otherwise every state row is (an `EXCEPT` over the keys, which SQLite
    /// runs with a temporary b-tree rather than a correlated scan).
    func createVanished(_ base: String, key: String, state: QualifiedName, rawTable: String, stateColumns: [String], rawColumns: [String], compared: SQL?, plus: SQL? = nil) throws {
        let window: SQL = compared.map { " WHERE \(sql: $0)" } ?? ""
        let stateList = stateColumns.map { "x.\(ident: $0)" as SQL }.joined(separator: ", ")
        let rawList = rawColumns.map { "x.\(ident: $0)" as SQL }.joined(separator: ", ")
        var gone: SQL = """
            SELECT DISTINCT \(ident: key) FROM (
                SELECT \(sql: stateList) FROM \(table: state) x\(sql: window)
                \(sql: .exceptDistinct)
                SELECT \(sql: rawList) FROM \(table: raw(rawTable)) x\(sql: window)
            ) gone
            """
        if let plus { gone += "\n\(sql: .unionDistinct)\n\(sql: plus)" }
        try exec("CREATE TABLE \(table: work.name(base)) AS \(sql: gone)")
        try index(base, [key], unique: true)
    }

    // MARK: - State rows

    /// What of one raw table an update reads: rows past `cutoff` are new; `compared` (nil:
    /// every state row) bounds the state rows checked against the raw table for rows deleted
    /// upstream. A value to bind on a connection, a subquery on the work tables in a plan.
    struct RawWindow {
        let cutoff: SQL
        let compared: SQL?
    }

    /// How a state table follows its raw table: its key, its columns and where each comes
    /// from in a raw row, what identifies the raw row behind a state row, and which row is
    /// the latest.
    struct StateFollowing {
        let rule: LatestRowRule
        let state: QualifiedName
        /// State column names and, in the same order, the raw expressions (alias `u`) that
        /// fill them.
        let columns: [String]
        let rawValues: [SQL]
        /// The state columns and raw columns that identify the raw row behind a state row.
        let identityInState: [String]
        let identityInRaw: [String]
        /// What the state table calls the rule's tie-break column.
        let tieBreakInState: String?

        var key: String { rule.key }
        var rawTable: String { rule.rawTable }
        func latestFirst(_ alias: SQL) -> SQL { rule.latestFirst(alias, tieBreak: tieBreakInState) }
    }

    /// Brings a state table's rows up to date for every key new raw rows or vanished raw rows
    /// touch: creates the work tables `new` (the latest new raw row per key, with how many
    /// raw rows it stood for), `reread` (keys whose state row's raw row is gone, plus the
    /// keys `plus` selects, all read again from every raw row they have) and `delta` (the
    /// latest row per touched key; a key without any row left is absent). Returns the raw
    /// rows read.
    ///
    /// `cutoff` is the previous run's cutoff for new rows of the raw table; `compared` limits
    /// the search for vanished rows to the rows it selects (alias `x`), where nothing settled
    /// was deleted.
    func follow(_ spec: StateFollowing, new: String, reread: String, delta: String, window: RawWindow, plus: SQL? = nil) throws -> Int64 {
        let columns = spec.columns.map(SQL.identifier).joined(separator: ", ")
        let fromRaw = zip(spec.columns, spec.rawValues).map { name, value -> SQL in "\(sql: value) AS \(ident: name)" }.joined(separator: ", ")
        let key = SQL.identifier(spec.key), rank = SQL.identifier(LatestRows.rank), rowsRead = SQL.identifier(Self.rowsRead)
        try exec("""
            CREATE TABLE \(table: work.name(new)) AS
            SELECT \(sql: columns), \(sql: rowsRead) FROM (
                SELECT n.*, COUNT(*) OVER (PARTITION BY n.\(sql: key)) AS \(sql: rowsRead),
                       ROW_NUMBER() OVER (PARTITION BY n.\(sql: key) ORDER BY \(sql: spec.latestFirst("n"))) AS \(sql: rank)
                FROM (SELECT \(sql: fromRaw) FROM \(table: raw(spec.rawTable)) u WHERE \(sql: RawTables.newRows("u", after: window.cutoff))) n
            ) ranked
            WHERE \(sql: rank) = 1
            """)
        try index(new, [spec.key], unique: true)
        try createVanished(reread, key: spec.key, state: spec.state, rawTable: spec.rawTable,
                           stateColumns: spec.identityInState, rawColumns: spec.identityInRaw, compared: window.compared, plus: plus)
        var read = try count("SELECT COALESCE(SUM(\(sql: rowsRead)), 0) FROM \(table: work.name(new))")
        var candidates: SQL = """
            SELECT \(sql: spec.columns.map { "s.\(ident: $0)" as SQL }.joined(separator: ", ")) FROM \(table: spec.state) s
            WHERE s.\(sql: key) IN (SELECT n.\(sql: key) FROM \(table: work.name(new)) n)
              AND NOT EXISTS (SELECT 1 FROM \(table: work.name(reread)) r WHERE r.\(sql: key) = s.\(sql: key))
            UNION ALL
            SELECT \(sql: columns) FROM \(table: work.name(new))
            """
        // A plan cannot ask; reading no rows again costs it one lookup.
        if try connection == nil || count("SELECT COUNT(*) FROM \(table: work.name(reread))") > 0 {
            let rows: SQL = "FROM \(table: raw(spec.rawTable)) u WHERE u.\(sql: key) IN (SELECT r.\(sql: key) FROM \(table: work.name(reread)) r)"
            candidates += "\nUNION ALL\nSELECT \(sql: fromRaw) \(sql: rows)"
            read += try count("SELECT COUNT(*) \(sql: rows)")
        }
        try exec("""
            CREATE TABLE \(table: work.name(delta)) AS
            SELECT \(sql: columns) FROM (
                SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.\(sql: key) ORDER BY \(sql: spec.latestFirst("c"))) AS \(sql: rank)
                FROM (\(sql: candidates)) c
            ) ranked
            WHERE \(sql: rank) = 1
            """)
        try index(delta, [spec.key], unique: true)
        return read
    }

    // MARK: - id_graph

    /// Updates the pointer state and re-resolves every segment_id the new or vanished pointer
    /// rows can have moved; rewrites their `id_graph` rows.
    func updateGraph(into summary: inout MaterializeSummary, etl: SQL, window: (String) -> RawWindow) throws {
        let pointer = current(TableName.statePointer), graph = current(TableName.idGraph)
        let newPointer = work.name("new_pointer"), vanished = work.name("vanished_pointer"), delta = work.name("pointer_delta"),
            touched = work.name("touched"), affectedCanonical = work.name("affected_canonical"), affected = work.name("affected"),
            subPointer = work.name("sub_pointer")
        let names = ["segment_id", "target", "seq", "timestamp", "uuid_ts"]
        let columns = names.map(SQL.identifier).joined(separator: ", ")

        summary.rowsRead[TableName.idGraphUpdates] = try follow(StateFollowing(
            rule: .pointer, state: pointer,
            columns: names,
            rawValues: ["u.segment_id", "u.canonical_segment_id", "u.seq", "u.\(ident: "timestamp")", "u.uuid_ts"],
            identityInState: ["segment_id", "seq", "target"], identityInRaw: ["segment_id", "seq", "canonical_segment_id"],
            tieBreakInState: "target"
        ), new: "new_pointer", reread: "vanished_pointer", delta: "pointer_delta", window: window(TableName.idGraphUpdates))
        try exec("CREATE TABLE \(table: touched) AS SELECT segment_id FROM \(table: newPointer) \(sql: .unionDistinct) SELECT segment_id FROM \(table: vanished)")
        try index("touched", ["segment_id"], unique: true)

        // Everything that resolved like a touched id may move.
        try exec("""
            CREATE TABLE \(table: affectedCanonical) AS
            SELECT g.canonical_segment_id AS canonical FROM \(table: graph) g WHERE g.segment_id IN (SELECT t.segment_id FROM \(table: touched) t)
            \(sql: .unionDistinct)
            SELECT segment_id FROM \(table: touched)
            """)
        try index("affected_canonical", ["canonical"], unique: true)
        try exec("""
            CREATE TABLE \(table: affected) AS
            SELECT g.segment_id AS segment_id FROM \(table: graph) g WHERE g.canonical_segment_id IN (SELECT a.canonical FROM \(table: affectedCanonical) a)
            \(sql: .unionDistinct)
            SELECT segment_id FROM \(table: touched)
            """)
        try index("affected", ["segment_id"], unique: true)
        // Their pointers; one that leaves the set ends at an unchanged canonical and points there.
        // Joins, not correlated subqueries in the select list: Snowflake runs a correlated
        // EXISTS only in a WHERE clause. Both joined tables hold one row per segment_id.
        try exec("""
            CREATE TABLE \(table: subPointer) AS
            SELECT x.segment_id AS segment_id,
                   CASE WHEN a.segment_id IS NOT NULL THEN x.target
                        ELSE COALESCE(g.canonical_segment_id, x.target) END AS target,
                   x.seq AS seq, x.\(ident: "timestamp") AS \(ident: "timestamp"), x.uuid_ts AS uuid_ts
            FROM (
                SELECT \(sql: columns) FROM \(table: delta)
                UNION ALL
                SELECT \(sql: LatestRows.pointerColumns("p")) FROM \(table: pointer) p
                WHERE p.segment_id IN (SELECT a.segment_id FROM \(table: affected) a)
                  AND NOT EXISTS (SELECT 1 FROM \(table: touched) t WHERE t.segment_id = p.segment_id)
            ) x
            LEFT JOIN \(table: affected) a ON a.segment_id = x.target
            LEFT JOIN \(table: graph) g ON g.segment_id = x.target
            """)
        try index("sub_pointer", ["segment_id"], unique: true)
        // Kinds are not meaningful here: an edge leaving the set reads as dangling.
        let resolver = GraphResolver(work: work, pointer: subPointer)
        if connection == nil {
            for statement in resolver.plannedStatements() { try exec(statement) }
        } else {
            let kinds = try resolver.resolve(on: database)
            summary.resolution = ["re_resolved": kinds.filter { $0.key != "passes" }.values.reduce(0, +)]
        }

        // Touched segment_ids left without any raw row: deleted upstream.
        let gone = work.name("gone_segments")
        try exec("""
            CREATE TABLE \(table: gone) AS
            SELECT g.segment_id AS segment_id FROM \(table: graph) g
            WHERE g.segment_id IN (SELECT t.segment_id FROM \(table: touched) t)
              AND NOT EXISTS (SELECT 1 FROM \(table: delta) x WHERE x.segment_id = g.segment_id)
            """)
        summary.rowsDeleted[TableName.idGraph] = try count("SELECT COUNT(*) FROM \(table: gone)")
        let runID: SQL = connection == nil ? RunLog.plannedRunID(schema: target) : .bind(.text(summary.runID))
        for statement in DeletedSegments.statements(schema: target, dialect: d, gone: "SELECT g.segment_id FROM \(table: gone) g",
                                                    back: "SELECT x.segment_id FROM \(table: delta) x", at: etl, runID: runID) {
            try exec(statement)
        }
        try exec("DELETE FROM \(table: pointer) WHERE segment_id IN (SELECT t.segment_id FROM \(table: touched) t)")
        try exec("INSERT INTO \(table: pointer) (\(sql: columns)) SELECT \(sql: columns) FROM \(table: delta)")
        try exec("DELETE FROM \(table: graph) WHERE segment_id IN (SELECT a.segment_id FROM \(table: affected) a)")
        summary.rowsWritten[TableName.idGraph] = Int64(try exec("""
            INSERT INTO \(table: graph) (segment_id, canonical_segment_id, \(ident: "timestamp"), seq, uuid_ts, etl_ts)
            SELECT p.segment_id, r.canonical, p.\(ident: "timestamp"), p.seq, p.uuid_ts, \(sql: etl)
            FROM \(table: subPointer) p JOIN \(table: work.name("resolved")) r ON r.segment_id = p.segment_id
            """))
    }

    // MARK: - external_id_mapping

    /// Rewrites the mapping rows of every touched external id, and the canonical of every
    /// row whose segment_id was re-resolved.
    func updateMapping(into summary: inout MaterializeSummary, etl: SQL, window: (String) -> RawWindow) throws {
        let mapping = current(TableName.externalIDMapping), graph = current(TableName.idGraph)
        let newMapping = work.name("new_mapping"), vanished = work.name("vanished_mapping"), touched = work.name("touched_hash"),
            delta = work.name("mapping_delta")
        let names = ["external_id_hash", "external_id_type", "external_id_value", "segment_id", "timestamp", "seq", "uuid_ts"]

        summary.rowsRead[TableName.externalIDMappingUpdates] = try follow(StateFollowing(
            rule: .mapping, state: mapping,
            columns: names, rawValues: names.map { "u.\(ident: $0)" },
            identityInState: ["external_id_hash", "seq", "segment_id"], identityInRaw: ["external_id_hash", "seq", "segment_id"],
            tieBreakInState: nil
        ), new: "new_mapping", reread: "vanished_mapping", delta: "mapping_delta", window: window(TableName.externalIDMappingUpdates))
        try exec("CREATE TABLE \(table: touched) AS SELECT external_id_hash FROM \(table: newMapping) \(sql: .unionDistinct) SELECT external_id_hash FROM \(table: vanished)")
        try index("touched_hash", ["external_id_hash"], unique: true)

        summary.rowsDeleted[TableName.externalIDMapping] = try count("""
            SELECT COUNT(*) FROM \(table: vanished) v
            WHERE NOT EXISTS (SELECT 1 FROM \(table: delta) x WHERE x.external_id_hash = v.external_id_hash)
            """)
        try exec("DELETE FROM \(table: mapping) WHERE external_id_hash IN (SELECT t.external_id_hash FROM \(table: touched) t)")
        var written = try exec("""
            INSERT INTO \(table: mapping) (external_id_hash, external_id_type, external_id_value, canonical_segment_id, segment_id, \(ident: "timestamp"), seq, uuid_ts, etl_ts)
            SELECT x.external_id_hash, x.external_id_type, x.external_id_value,
                   COALESCE((SELECT \(sql: .onlyValue("g.canonical_segment_id")) FROM \(table: graph) g WHERE g.segment_id = x.segment_id), x.segment_id),
                   x.segment_id, x.\(ident: "timestamp"), x.seq, x.uuid_ts, \(sql: etl)
            FROM \(table: delta) x
            """)
        // A row's canonical moves only if its segment_id was re-resolved, and then its previous
        // canonical is one of the affected canonicals.
        let moves = work.name("mapping_moves")
        try exec("""
            CREATE TABLE \(table: moves) AS
            SELECT external_id_hash, canonical FROM (
                SELECT m.external_id_hash AS external_id_hash, m.canonical_segment_id AS previous,
                       COALESCE((SELECT \(sql: .onlyValue("g.canonical_segment_id")) FROM \(table: graph) g WHERE g.segment_id = m.segment_id), m.segment_id) AS canonical
                FROM \(table: mapping) m
                WHERE m.canonical_segment_id IN (SELECT a.canonical FROM \(table: work.name("affected_canonical")) a)
            ) candidates
            WHERE canonical <> previous
            """)
        try index("mapping_moves", ["external_id_hash"], unique: true)
        written += try exec(d.updateFrom(mapping, key: "external_id_hash", source: moves,
                                         fromSource: [("canonical_segment_id", "canonical")], constants: [("etl_ts", etl)]))
        summary.rowsWritten[TableName.externalIDMapping] = Int64(written)
    }

    // MARK: - profile_traits

    /// Updates the trait snapshots and rewrites every profile whose members or snapshots
    /// changed.
    func updateTraits(_ traits: TraitColumns, into summary: inout MaterializeSummary, etl: SQL, window: (String) -> RawWindow) throws {
        let rawTraits = raw(TableName.profileTraitsUpdates)
        let snapshots = current(TableName.stateTraits), graph = current(TableName.idGraph), profiles = current(TableName.profileTraits)
        let newTraits = work.name("new_traits"), reread = work.name("reread_traits"), delta = work.name("traits_delta"),
            keys = work.name("profile_keys"), profileDelta = work.name("profile_delta")
        // A trait column the raw table no longer has reads as NULL of the column's type.
        let rawValues = traits.all.map { column -> SQL in
            guard let declared = traits.raw[column.name] else { return .cast("NULL", as: column.type) }
            return d.conform("u.\(ident: column.name)", declared: declared.declaredType)
        }
        let names = ["segment_id", "seq", "uuid_ts"] + traits.all.map(\.name)
        let columns = names.map(SQL.identifier).joined(separator: ", ")
        // Snapshots whose raw row was deleted, and (when a column appeared) every segment_id
        // with a value in it, are read again from all their raw rows.
        let backfilled: SQL? = traits.added.isEmpty ? nil
            : "SELECT t.segment_id FROM \(table: rawTraits) t WHERE \(sql: traits.added.map { "t.\(ident: $0.name) IS NOT NULL" as SQL }.joined(separator: " OR "))"
        summary.rowsRead[TableName.profileTraitsUpdates] = try follow(StateFollowing(
            rule: .snapshot, state: snapshots,
            columns: names, rawValues: ["u.segment_id", "u.seq", "u.uuid_ts"] + rawValues,
            identityInState: ["segment_id", "seq"], identityInRaw: ["segment_id", "seq"],
            tieBreakInState: nil
        ), new: "new_traits", reread: "reread_traits", delta: "traits_delta", window: window(TableName.profileTraitsUpdates), plus: backfilled)
        let touched: SQL = "SELECT n.segment_id FROM \(table: newTraits) n \(sql: .unionDistinct) SELECT r.segment_id FROM \(table: reread) r"
        try exec("DELETE FROM \(table: snapshots) WHERE segment_id IN (\(sql: touched))")
        try exec("INSERT INTO \(table: snapshots) (\(sql: columns)) SELECT \(sql: columns) FROM \(table: delta)")

        // Profiles to rewrite: the re-resolved segment_ids, their previous and new canonicals,
        // and the owners and profiles of changed snapshots.
        try exec("""
            CREATE TABLE \(table: keys) AS
            SELECT a.segment_id AS profile_id FROM \(table: work.name("affected")) a
            \(sql: .unionDistinct) SELECT c.canonical FROM \(table: work.name("affected_canonical")) c
            \(sql: .unionDistinct) SELECT r.canonical FROM \(table: work.name("resolved")) r
            \(sql: .unionDistinct) SELECT x.segment_id FROM (\(sql: touched)) x
            \(sql: .unionDistinct) SELECT g.canonical_segment_id FROM \(table: graph) g WHERE g.segment_id IN (\(sql: touched))
            """)
        try index("profile_keys", ["profile_id"], unique: true)
        for statement in ProfileTraitsBuilder(work: work, traitNulls: traitNulls, graph: graph, snapshots: snapshots, traits: traits.all.map(\.name))
            .statements(into: profileDelta, keys: keys, etl: etl) {
            try exec(statement)
        }
        try index("profile_delta", ["canonical_segment_id"], unique: true)
        summary.rowsDeleted[TableName.profileTraits] = try count("""
            SELECT COUNT(*) FROM \(table: profiles) p
            WHERE p.canonical_segment_id IN (SELECT k.profile_id FROM \(table: keys) k)
              AND NOT EXISTS (SELECT 1 FROM \(table: profileDelta) x WHERE x.canonical_segment_id = p.canonical_segment_id)
            """)
        try exec("DELETE FROM \(table: profiles) WHERE canonical_segment_id IN (SELECT k.profile_id FROM \(table: keys) k)")
        let output = (["canonical_segment_id", "merged_to"] + traits.all.map(\.name) + ["etl_ts"]).map(SQL.identifier).joined(separator: ", ")
        summary.rowsWritten[TableName.profileTraits] = Int64(try exec("INSERT INTO \(table: profiles) (\(sql: output)) SELECT \(sql: output) FROM \(table: profileDelta)"))
    }
}
