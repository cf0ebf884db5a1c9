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
    let materializer: Materializer
    let work: WorkTables
    let previous: RunLog.PreviousRun
    /// Per raw table, the previous run's cutoff for new rows, its settled time and how many
    /// rows it counted before that time; read once at the start of the run.
    let bounds = Bounds()

    final class Bounds {
        var cutoff: [String: SQLValue] = [:]
        var settled: [String: SQLValue] = [:]
        var settledRows: [String: Int64] = [:]
    }

    var database: any Database { materializer.database }
    var schemas: Schemas { materializer.schemas }
    var source: String { schemas.source }
    var target: String { schemas.target }
    var d: Dialect { database.dialect }

    func raw(_ table: String) -> QualifiedName { schemas.source(table) }
    func current(_ table: String) -> QualifiedName { schemas.target(table) }
    func count(_ sql: SQL) throws -> Int64 { try database.scalar(sql).intValue ?? 0 }

    /// How many raw rows a latest row stands for, and its rank: idhealth's own columns beside
    /// the trait columns, so they start with `_idh_` (docs/semantics.md).
    static let rowsRead = "_idh_rows_read"

    /// Everything, reads included, runs in one transaction: its settings (a small-work plan
    /// on PostgreSQL) stay inside it, and a kill or an error anywhere changes nothing.
    func run(into summary: inout MaterializeSummary, started: Date, progress: (String) -> Void) throws {
        try database.inTransaction {
            for setting in d.settingsForSmallUpdates { try database.execute(setting) }
            try update(into: &summary, started: started, progress: progress)
        }
    }

    func update(into summary: inout MaterializeSummary, started: Date, progress: (String) -> Void) throws {
        let epoch = SQL.timestamp(literal: "0001-01-01 00:00:00")
        let cutoffs = TableName.rawTables.map { table -> SQL in
            "COALESCE(\(sql: .minusHours("r.\(ident: RunLog.highWaterColumn(table))", materializer.etlOverlapHours)), \(sql: epoch)) AS \(ident: table)"
        }
        let settledColumns = TableName.rawTables.flatMap { table -> [SQL] in
            ["r.\(ident: RunLog.settledBeforeColumn(table)) AS \(ident: "settled_" + table)", "r.\(ident: RunLog.settledRowsColumn(table)) AS \(ident: "settled_rows_" + table)"]
        }
        try database.execute("CREATE TABLE \(table: work.name("since")) AS SELECT \(sql: (cutoffs + settledColumns).joined(separator: ", ")) FROM \(table: current(TableName.runs)) r WHERE r.run_id = \(bind: .text(previous.runID))")

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
        try materializer.captureHighWater(work: work, carried: carried)
        let traits = try TraitColumns.reconcile(raw: rawTraits, state: database.columnTypes(current(TableName.stateTraits)), schemas: schemas, dialect: d)
        summary.traitColumns = traits.all.map(\.name)
        summary.addedTraitColumns = traits.added.map(\.name)
        let etl = SQL.timestamp(literal: Materializer.utcText(materializer.clock()))

        func timed(_ step: String, _ body: () throws -> Void) rethrows {
            progress(step)
            let start = Date()
            try body()
            summary.seconds[step, default: 0] += Date().timeIntervalSince(start)
        }
        for column in traits.added {
            for table in [TableName.stateTraits, TableName.profileTraits] {
                try database.execute(d.addColumn(ColumnDefinition(column.name, column.type), to: current(table)))
            }
        }
        try timed("resolve") { try updateGraph(into: &summary, etl: etl, unchanged: unchanged) }
        try timed(TableName.externalIDMapping) { try updateMapping(into: &summary, etl: etl, unchanged: unchanged) }
        try timed(TableName.profileTraits) { try updateTraits(traits, into: &summary, etl: etl, unchanged: unchanged) }
        for table in TableName.materializedTables {
            summary.tableRows[table] = try count("SELECT COUNT(*) FROM \(table: current(table))")
        }
        try RunLog(database: database, schema: target).record(summary, status: "succeeded", started: started, finished: Date(), work: work)
    }

    /// Indexes a work table and gathers its statistics, so both planners know it is small
    /// and probe the large tables' indexes from it instead of scanning them.
    func index(_ base: String, _ columns: [String], unique: Bool = false) throws {
        try database.execute(work.index(base, columns: columns, unique: unique))
        try database.execute(d.analyzeWorkTable(work.name(base)))
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
        let now = try database.scalar("SELECT COUNT(*) FROM \(table: raw(rawTable)) u WHERE u.uuid_ts <= \(bind: bounds.settled[rawTable] ?? .null)").intValue
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
    func createVanished(_ base: String, rawTable: String, key: String, state: QualifiedName, stateColumns: [String], rawColumns: [String], settledUnchanged: Bool, plus: SQL? = nil) throws {
        let settledTime = bounds.settled[rawTable] ?? .null
        let window: SQL = settledUnchanged ? " WHERE x.uuid_ts > \(bind: settledTime) OR x.uuid_ts IS NULL" : ""
        let stateList = stateColumns.map { "x.\(ident: $0)" as SQL }.joined(separator: ", ")
        let rawList = rawColumns.map { "x.\(ident: $0)" as SQL }.joined(separator: ", ")
        var gone: SQL = """
            SELECT DISTINCT \(ident: key) FROM (
                SELECT \(sql: stateList) FROM \(table: state) x\(sql: window)
                EXCEPT
                SELECT \(sql: rawList) FROM \(table: raw(rawTable)) x\(sql: window)
            ) gone
            """
        if let plus { gone += "\nUNION\n\(sql: plus)" }
        try database.execute("CREATE TABLE \(table: work.name(base)) AS \(sql: gone)")
        try index(base, [key], unique: true)
    }

    // MARK: - State rows

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
    func follow(_ spec: StateFollowing, new: String, reread: String, delta: String, settledUnchanged: Bool, plus: SQL? = nil) throws -> Int64 {
        let columns = spec.columns.map(SQL.identifier).joined(separator: ", ")
        let fromRaw = zip(spec.columns, spec.rawValues).map { name, value -> SQL in "\(sql: value) AS \(ident: name)" }.joined(separator: ", ")
        let key = SQL.identifier(spec.key), rank = SQL.identifier(LatestRows.rank), rowsRead = SQL.identifier(Self.rowsRead)
        try database.execute("""
            CREATE TABLE \(table: work.name(new)) AS
            SELECT \(sql: columns), \(sql: rowsRead) FROM (
                SELECT n.*, COUNT(*) OVER (PARTITION BY n.\(sql: key)) AS \(sql: rowsRead),
                       ROW_NUMBER() OVER (PARTITION BY n.\(sql: key) ORDER BY \(sql: spec.latestFirst("n"))) AS \(sql: rank)
                FROM (SELECT \(sql: fromRaw) FROM \(table: raw(spec.rawTable)) u WHERE \(sql: RawTables.newRows("u", cutoff: bounds.cutoff[spec.rawTable] ?? .null))) n
            ) ranked
            WHERE \(sql: rank) = 1
            """)
        try index(new, [spec.key], unique: true)
        try createVanished(reread, rawTable: spec.rawTable, key: spec.key, state: spec.state,
                           stateColumns: spec.identityInState, rawColumns: spec.identityInRaw, settledUnchanged: settledUnchanged, plus: plus)
        var read = try count("SELECT COALESCE(SUM(\(sql: rowsRead)), 0) FROM \(table: work.name(new))")
        var candidates: SQL = """
            SELECT \(sql: spec.columns.map { "s.\(ident: $0)" as SQL }.joined(separator: ", ")) FROM \(table: spec.state) s
            WHERE s.\(sql: key) IN (SELECT n.\(sql: key) FROM \(table: work.name(new)) n)
              AND NOT EXISTS (SELECT 1 FROM \(table: work.name(reread)) r WHERE r.\(sql: key) = s.\(sql: key))
            UNION ALL
            SELECT \(sql: columns) FROM \(table: work.name(new))
            """
        if try count("SELECT COUNT(*) FROM \(table: work.name(reread))") > 0 {
            let rows: SQL = "FROM \(table: raw(spec.rawTable)) u WHERE u.\(sql: key) IN (SELECT r.\(sql: key) FROM \(table: work.name(reread)) r)"
            candidates += "\nUNION ALL\nSELECT \(sql: fromRaw) \(sql: rows)"
            read += try count("SELECT COUNT(*) \(sql: rows)")
        }
        try database.execute("""
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
    func updateGraph(into summary: inout MaterializeSummary, etl: SQL, unchanged: Set<String>) throws {
        let pointer = current(TableName.statePointer), graph = current(TableName.idGraph)
        let newPointer = work.name("new_pointer"), vanished = work.name("vanished_pointer"), delta = work.name("pointer_delta"),
            touched = work.name("touched"), affectedCanonical = work.name("affected_canonical"), affected = work.name("affected"),
            subPointer = work.name("sub_pointer")
        let names = ["segment_id", "target", "seq", "timestamp", "uuid_ts"]
        let columns = names.map(SQL.identifier).joined(separator: ", ")

        summary.rowsRead[TableName.idGraphUpdates] = try follow(StateFollowing(
            rule: .pointer, state: pointer,
            columns: names,
            rawValues: ["u.segment_id", "u.canonical_segment_id", "u.seq", "u.\"timestamp\"", "u.uuid_ts"],
            identityInState: ["segment_id", "seq", "target"], identityInRaw: ["segment_id", "seq", "canonical_segment_id"],
            tieBreakInState: "target"
        ), new: "new_pointer", reread: "vanished_pointer", delta: "pointer_delta", settledUnchanged: unchanged.contains(TableName.idGraphUpdates))
        try database.execute("CREATE TABLE \(table: touched) AS SELECT segment_id FROM \(table: newPointer) UNION SELECT segment_id FROM \(table: vanished)")
        try index("touched", ["segment_id"], unique: true)

        // Everything that resolved like a touched id may move.
        try database.execute("""
            CREATE TABLE \(table: affectedCanonical) AS
            SELECT g.canonical_segment_id AS canonical FROM \(table: graph) g WHERE g.segment_id IN (SELECT t.segment_id FROM \(table: touched) t)
            UNION
            SELECT segment_id FROM \(table: touched)
            """)
        try index("affected_canonical", ["canonical"], unique: true)
        try database.execute("""
            CREATE TABLE \(table: affected) AS
            SELECT g.segment_id AS segment_id FROM \(table: graph) g WHERE g.canonical_segment_id IN (SELECT a.canonical FROM \(table: affectedCanonical) a)
            UNION
            SELECT segment_id FROM \(table: touched)
            """)
        try index("affected", ["segment_id"], unique: true)
        // Their pointers; one that leaves the set ends at an unchanged canonical and points there.
        try database.execute("""
            CREATE TABLE \(table: subPointer) AS
            SELECT x.segment_id AS segment_id,
                   CASE WHEN EXISTS (SELECT 1 FROM \(table: affected) a WHERE a.segment_id = x.target) THEN x.target
                        ELSE COALESCE((SELECT g.canonical_segment_id FROM \(table: graph) g WHERE g.segment_id = x.target), x.target) END AS target,
                   x.seq AS seq, x.\(ident: "timestamp") AS \(ident: "timestamp"), x.uuid_ts AS uuid_ts
            FROM (
                SELECT \(sql: columns) FROM \(table: delta)
                UNION ALL
                SELECT \(sql: LatestRows.pointerColumns("p")) FROM \(table: pointer) p
                WHERE p.segment_id IN (SELECT a.segment_id FROM \(table: affected) a)
                  AND NOT EXISTS (SELECT 1 FROM \(table: touched) t WHERE t.segment_id = p.segment_id)
            ) x
            """)
        try index("sub_pointer", ["segment_id"], unique: true)
        // Kinds are not meaningful here: an edge leaving the set reads as dangling.
        let kinds = try GraphResolver(work: work, pointer: subPointer).resolve(on: database)
        summary.resolution = ["re_resolved": kinds.filter { $0.key != "passes" }.values.reduce(0, +)]

        // Touched segment_ids left without any raw row: deleted upstream.
        let gone = work.name("gone_segments")
        try database.execute("""
            CREATE TABLE \(table: gone) AS
            SELECT g.segment_id AS segment_id FROM \(table: graph) g
            WHERE g.segment_id IN (SELECT t.segment_id FROM \(table: touched) t)
              AND NOT EXISTS (SELECT 1 FROM \(table: delta) x WHERE x.segment_id = g.segment_id)
            """)
        summary.rowsDeleted[TableName.idGraph] = try count("SELECT COUNT(*) FROM \(table: gone)")
        try DeletedSegments(database: database, schema: target).record(
            gone: "SELECT g.segment_id FROM \(table: gone) g", back: "SELECT x.segment_id FROM \(table: delta) x", at: etl, runID: summary.runID)
        try database.execute("DELETE FROM \(table: pointer) WHERE segment_id IN (SELECT t.segment_id FROM \(table: touched) t)")
        try database.execute("INSERT INTO \(table: pointer) (\(sql: columns)) SELECT \(sql: columns) FROM \(table: delta)")
        try database.execute("DELETE FROM \(table: graph) WHERE segment_id IN (SELECT a.segment_id FROM \(table: affected) a)")
        summary.rowsWritten[TableName.idGraph] = Int64(try database.execute("""
            INSERT INTO \(table: graph) (segment_id, canonical_segment_id, \(ident: "timestamp"), seq, uuid_ts, etl_ts)
            SELECT p.segment_id, r.canonical, p.\(ident: "timestamp"), p.seq, p.uuid_ts, \(sql: etl)
            FROM \(table: subPointer) p JOIN \(table: work.name("resolved")) r ON r.segment_id = p.segment_id
            """))
    }

    // MARK: - external_id_mapping

    /// Rewrites the mapping rows of every touched external id, and the canonical of every
    /// row whose segment_id was re-resolved.
    func updateMapping(into summary: inout MaterializeSummary, etl: SQL, unchanged: Set<String>) throws {
        let mapping = current(TableName.externalIDMapping), graph = current(TableName.idGraph)
        let newMapping = work.name("new_mapping"), vanished = work.name("vanished_mapping"), touched = work.name("touched_hash"),
            delta = work.name("mapping_delta")
        let names = ["external_id_hash", "external_id_type", "external_id_value", "segment_id", "timestamp", "seq", "uuid_ts"]

        summary.rowsRead[TableName.externalIDMappingUpdates] = try follow(StateFollowing(
            rule: .mapping, state: mapping,
            columns: names, rawValues: names.map { "u.\(ident: $0)" },
            identityInState: ["external_id_hash", "seq", "segment_id"], identityInRaw: ["external_id_hash", "seq", "segment_id"],
            tieBreakInState: nil
        ), new: "new_mapping", reread: "vanished_mapping", delta: "mapping_delta", settledUnchanged: unchanged.contains(TableName.externalIDMappingUpdates))
        try database.execute("CREATE TABLE \(table: touched) AS SELECT external_id_hash FROM \(table: newMapping) UNION SELECT external_id_hash FROM \(table: vanished)")
        try index("touched_hash", ["external_id_hash"], unique: true)

        summary.rowsDeleted[TableName.externalIDMapping] = try count("""
            SELECT COUNT(*) FROM \(table: vanished) v
            WHERE NOT EXISTS (SELECT 1 FROM \(table: delta) x WHERE x.external_id_hash = v.external_id_hash)
            """)
        try database.execute("DELETE FROM \(table: mapping) WHERE external_id_hash IN (SELECT t.external_id_hash FROM \(table: touched) t)")
        var written = try database.execute("""
            INSERT INTO \(table: mapping) (external_id_hash, external_id_type, external_id_value, canonical_segment_id, segment_id, \(ident: "timestamp"), seq, uuid_ts, etl_ts)
            SELECT x.external_id_hash, x.external_id_type, x.external_id_value,
                   COALESCE((SELECT g.canonical_segment_id FROM \(table: graph) g WHERE g.segment_id = x.segment_id), x.segment_id),
                   x.segment_id, x.\(ident: "timestamp"), x.seq, x.uuid_ts, \(sql: etl)
            FROM \(table: delta) x
            """)
        // A row's canonical moves only if its segment_id was re-resolved, and then its previous
        // canonical is one of the affected canonicals.
        let moves = work.name("mapping_moves")
        try database.execute("""
            CREATE TABLE \(table: moves) AS
            SELECT external_id_hash, canonical FROM (
                SELECT m.external_id_hash AS external_id_hash, m.canonical_segment_id AS previous,
                       COALESCE((SELECT g.canonical_segment_id FROM \(table: graph) g WHERE g.segment_id = m.segment_id), m.segment_id) AS canonical
                FROM \(table: mapping) m
                WHERE m.canonical_segment_id IN (SELECT a.canonical FROM \(table: work.name("affected_canonical")) a)
            ) candidates
            WHERE canonical <> previous
            """)
        try index("mapping_moves", ["external_id_hash"], unique: true)
        written += try database.execute("""
            UPDATE \(table: mapping) AS m SET canonical_segment_id = (SELECT v.canonical FROM \(table: moves) v WHERE v.external_id_hash = m.external_id_hash), etl_ts = \(sql: etl)
            WHERE m.external_id_hash IN (SELECT v.external_id_hash FROM \(table: moves) v)
            """)
        summary.rowsWritten[TableName.externalIDMapping] = Int64(written)
    }

    // MARK: - profile_traits

    /// Updates the trait snapshots and rewrites every profile whose members or snapshots
    /// changed.
    func updateTraits(_ traits: TraitColumns, into summary: inout MaterializeSummary, etl: SQL, unchanged: Set<String>) throws {
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
        ), new: "new_traits", reread: "reread_traits", delta: "traits_delta", settledUnchanged: unchanged.contains(TableName.profileTraitsUpdates), plus: backfilled)
        let touched: SQL = "SELECT n.segment_id FROM \(table: newTraits) n UNION SELECT r.segment_id FROM \(table: reread) r"
        try database.execute("DELETE FROM \(table: snapshots) WHERE segment_id IN (\(sql: touched))")
        try database.execute("INSERT INTO \(table: snapshots) (\(sql: columns)) SELECT \(sql: columns) FROM \(table: delta)")

        // Profiles to rewrite: the re-resolved segment_ids, their previous and new canonicals,
        // and the owners and profiles of changed snapshots.
        try database.execute("""
            CREATE TABLE \(table: keys) AS
            SELECT a.segment_id AS profile_id FROM \(table: work.name("affected")) a
            UNION SELECT c.canonical FROM \(table: work.name("affected_canonical")) c
            UNION SELECT r.canonical FROM \(table: work.name("resolved")) r
            UNION SELECT x.segment_id FROM (\(sql: touched)) x
            UNION SELECT g.canonical_segment_id FROM \(table: graph) g WHERE g.segment_id IN (\(sql: touched))
            """)
        try index("profile_keys", ["profile_id"], unique: true)
        try ProfileTraitsBuilder(work: work, traitNulls: materializer.traitNulls, graph: graph, snapshots: snapshots, traits: traits.all.map(\.name))
            .build(into: profileDelta, keys: keys, etl: etl, on: database)
        try index("profile_delta", ["canonical_segment_id"], unique: true)
        summary.rowsDeleted[TableName.profileTraits] = try count("""
            SELECT COUNT(*) FROM \(table: profiles) p
            WHERE p.canonical_segment_id IN (SELECT k.profile_id FROM \(table: keys) k)
              AND NOT EXISTS (SELECT 1 FROM \(table: profileDelta) x WHERE x.canonical_segment_id = p.canonical_segment_id)
            """)
        try database.execute("DELETE FROM \(table: profiles) WHERE canonical_segment_id IN (SELECT k.profile_id FROM \(table: keys) k)")
        let output = (["canonical_segment_id", "merged_to"] + traits.all.map(\.name) + ["etl_ts"]).map(SQL.identifier).joined(separator: ", ")
        summary.rowsWritten[TableName.profileTraits] = Int64(try database.execute("INSERT INTO \(table: profiles) (\(sql: output)) SELECT \(sql: output) FROM \(table: profileDelta)"))
    }
}
