import Foundation

/// What one materialization did, for the console and the run log.
public struct MaterializeSummary: Sendable {
    /// Rows written per current-state table.
    public var rowsWritten: [String: Int64] = [:]
    /// Rows read per raw table.
    public var rowsRead: [String: Int64] = [:]
    /// Resolution outcome by kind (`terminal`, `merged`, `chain`, `dangling`, `cycle`, `into_cycle`).
    public var resolution: [String: Int64] = [:]
    /// Seconds spent per step.
    public var seconds: [String: Double] = [:]
    /// The trait columns of `profile_traits`.
    public var traitColumns: [String] = []
}

/// Builds `id_graph`, `external_id_mapping` and `profile_traits` from the raw history
/// (DESIGN.md §3), entirely in the database.
///
/// Everything is built into `idhealth_stage_*` tables and swapped in with renames inside one
/// transaction, so readers see either the previous tables or the new ones, never a mix, and a
/// killed run leaves the previous tables intact.
public struct Materializer {
    public let database: any Database
    public let schemas: Schemas
    public let traitNulls: TraitNulls
    /// The run's `etl_ts`, injected so tests and reports are deterministic.
    public let clock: @Sendable () -> Date

    public init(database: any Database, schemas: Schemas, traitNulls: TraitNulls = .keepLastValue, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.schemas = schemas
        self.traitNulls = traitNulls
        self.clock = clock
    }

    /// Runs a full rebuild (`table` mode): builds the staging tables, then swaps them in.
    public func run(progress: (String) -> Void = { _ in }) throws -> MaterializeSummary {
        let d = database.dialect
        try database.useSchema(schemas.source, create: false)
        let work = WorkTables(database: database, schema: schemas.target, token: Self.token())
        defer { try? work.dropAll(includingStage: true) }
        var summary = try build(work: work, progress: progress)
        let start = Date()
        try database.inTransaction {
            for table in TableName.materializedTables {
                try database.execute("DROP TABLE IF EXISTS \(d.qualified(schemas.target, table))")
                try database.execute(d.renameTable(schema: schemas.target, from: work.stagePrefix + table, to: table))
            }
        }
        summary.seconds["swap"] = Date().timeIntervalSince(start)
        for table in TableName.materializedTables {
            summary.rowsWritten[table] = try database.scalar("SELECT COUNT(*) FROM \(d.qualified(schemas.target, table))").intValue ?? 0
        }
        return summary
    }

    /// Builds the three tables as `<stage prefix><table>` beside the current ones, without
    /// swapping them in (the drift check compares them). Drops its work tables; the caller
    /// owns the staging tables.
    func build(work: WorkTables, progress: (String) -> Void = { _ in }) throws -> MaterializeSummary {
        let d = database.dialect
        progress("validating raw tables in \(schemas.source)")
        let traitColumns = try RawTables(database: database, schema: schemas.source).validate()
        try database.useSchema(schemas.target, create: true)
        var summary = MaterializeSummary()
        summary.traitColumns = traitColumns
        for table in TableName.rawTables {
            summary.rowsRead[table] = try database.scalar("SELECT COUNT(*) FROM \(d.qualified(schemas.source, table))").intValue ?? 0
        }
        try work.dropAll(includingStage: true)
        defer { try? work.dropAll(includingStage: false) }

        let etl = d.timestampConstant(Self.utcText(clock()))
        func timed(_ step: String, _ body: () throws -> Void) rethrows {
            progress(step)
            let start = Date()
            try body()
            summary.seconds[step] = Date().timeIntervalSince(start)
        }

        try timed("resolve") {
            summary.resolution = try GraphResolver(database: database, work: work, source: schemas.source).resolve()
        }
        try timed(TableName.idGraph) {
            try database.execute("""
                CREATE TABLE \(work.stageName(TableName.idGraph)) AS
                SELECT p.segment_id AS segment_id, r.canonical AS canonical_segment_id,
                       p."timestamp" AS "timestamp", p.seq AS seq, p.uuid_ts AS uuid_ts, \(etl) AS etl_ts
                FROM \(work.name("pointer")) p
                JOIN \(work.name("resolved")) r ON r.segment_id = p.segment_id
                """)
            try database.execute(work.stageIndex(TableName.idGraph, columns: ["segment_id"], unique: true))
            try database.execute(work.stageIndex(TableName.idGraph, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"))
        }
        try timed(TableName.externalIDMapping) {
            let raw = d.qualified(schemas.source, TableName.externalIDMappingUpdates)
            try database.execute("""
                CREATE TABLE \(work.stageName(TableName.externalIDMapping)) AS
                SELECT e.external_id_hash AS external_id_hash, e.external_id_type AS external_id_type,
                       e.external_id_value AS external_id_value,
                       COALESCE(r.canonical, e.segment_id) AS canonical_segment_id, e.segment_id AS segment_id,
                       e."timestamp" AS "timestamp", e.seq AS seq, e.uuid_ts AS uuid_ts, \(etl) AS etl_ts
                FROM (
                    SELECT x.external_id_hash, x.external_id_type, x.external_id_value, x.segment_id,
                           x."timestamp", x.seq, x.uuid_ts,
                           ROW_NUMBER() OVER (PARTITION BY x.external_id_hash ORDER BY x.seq DESC, x.uuid_ts DESC NULLS LAST) AS rn
                    FROM \(raw) x
                ) e
                LEFT JOIN \(work.name("resolved")) r ON r.segment_id = e.segment_id
                WHERE e.rn = 1
                """)
            try database.execute(work.stageIndex(TableName.externalIDMapping, columns: ["external_id_hash"], unique: true))
            try database.execute(work.stageIndex(TableName.externalIDMapping, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"))
        }
        try timed(TableName.profileTraits) {
            try buildProfileTraits(work: work, traits: traitColumns, etl: etl)
            try database.execute(work.stageIndex(TableName.profileTraits, columns: ["canonical_segment_id"], unique: true))
        }
        return summary
    }

    /// Builds the `profile_traits` staging table: one row per profile; a live profile's trait
    /// is the latest value over the latest snapshot of each of its segment_ids (non-NULL only
    /// with `keep_last_value`); merged-away profiles keep a row with NULL traits and
    /// `merged_to`. Intermediate results are indexed work tables, not CTEs, so no engine
    /// re-evaluates them per row.
    func buildProfileTraits(work: WorkTables, traits: [String], etl: String) throws {
        let d = database.dialect
        let raw = d.qualified(schemas.source, TableName.profileTraitsUpdates)
        let resolved = work.name("resolved")
        let owned = work.name("traits_owned")
        let values = work.name("traits_values")
        let quotedTraits = traits.map(d.quote)
        let latestOrder = "o.seq DESC, o.uuid_ts DESC NULLS LAST"
        let valueColumns: [String] = quotedTraits.map { trait in
            switch traitNulls {
            case .keepLastValue:
                return "FIRST_VALUE(o.\(trait)) OVER (PARTITION BY o.canonical ORDER BY CASE WHEN o.\(trait) IS NULL THEN 1 ELSE 0 END, \(latestOrder)) AS \(trait)"
            case .propagate:
                return "o.\(trait) AS \(trait)"
            }
        }
        let latestTraits = quotedTraits.map { ", t.\($0) AS \($0)" }.joined()
        let ownedTraits = quotedTraits.map { ", l.\($0) AS \($0)" }.joined()
        let valueList = valueColumns.map { ", " + $0 }.joined()
        let finalTraits = quotedTraits.map { ", v.\($0) AS \($0)" }.joined()

        // The latest snapshot of every segment_id, labelled with its canonical profile.
        try database.execute("""
            CREATE TABLE \(owned) AS
            SELECT canonical, seq, uuid_ts, COUNT(*) OVER (PARTITION BY canonical) AS snapshots\(quotedTraits.map { ", " + $0 }.joined())
            FROM (
            SELECT COALESCE(r.canonical, l.segment_id) AS canonical, l.seq AS seq, l.uuid_ts AS uuid_ts\(ownedTraits)
            FROM (
                SELECT t.segment_id AS segment_id, t.seq AS seq, t.uuid_ts AS uuid_ts\(latestTraits),
                       ROW_NUMBER() OVER (PARTITION BY t.segment_id ORDER BY t.seq DESC, t.uuid_ts DESC NULLS LAST) AS rn
                FROM \(raw) t
            ) l
            LEFT JOIN \(resolved) r ON r.segment_id = l.segment_id
            WHERE l.rn = 1
            ) labelled
            """)
        try database.execute(work.index("traits_owned", columns: ["canonical"]))
        // One row of trait values per canonical profile. Most profiles have one snapshot and
        // take it as it is; only the rest pay for the per-trait window sorts.
        try database.execute("""
            CREATE TABLE \(values) AS
            SELECT o.canonical AS canonical\(quotedTraits.map { ", o.\($0) AS \($0)" }.joined())
            FROM \(owned) o
            WHERE o.snapshots = 1
            UNION ALL
            SELECT canonical\(quotedTraits.map { ", " + $0 }.joined()) FROM (
                SELECT o.canonical AS canonical\(valueList),
                       ROW_NUMBER() OVER (PARTITION BY o.canonical ORDER BY \(latestOrder)) AS rn
                FROM \(owned) o
                WHERE o.snapshots > 1
            ) ranked
            WHERE rn = 1
            """)
        try database.execute(work.index("traits_values", columns: ["canonical"], unique: true))
        // Every segment_id of the graph, every canonical without a row of its own (dangling
        // targets) and every trait owner unknown to the graph is a profile.
        try database.execute("""
            CREATE TABLE \(work.stageName(TableName.profileTraits)) AS
            SELECT p.canonical_segment_id AS canonical_segment_id, p.merged_to AS merged_to\(finalTraits), \(etl) AS etl_ts
            FROM (
                SELECT r.segment_id AS canonical_segment_id,
                       CASE WHEN r.canonical <> r.segment_id THEN r.canonical END AS merged_to
                FROM \(resolved) r
                UNION
                SELECT r.canonical, NULL FROM \(resolved) r
                WHERE NOT EXISTS (SELECT 1 FROM \(resolved) x WHERE x.segment_id = r.canonical)
                UNION
                SELECT v.canonical, NULL FROM \(values) v
                WHERE NOT EXISTS (SELECT 1 FROM \(resolved) x WHERE x.segment_id = v.canonical)
            ) p
            LEFT JOIN \(values) v ON v.canonical = p.canonical_segment_id AND p.merged_to IS NULL
            """)
    }

    static func token() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    static func utcText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
