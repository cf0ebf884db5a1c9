/// Builds `profile_traits` rows from a graph (`id_graph`'s shape) and the latest trait snapshot
/// of every segment_id: for every profile, or only for the profile ids listed in a key table.
///
/// A full rebuild and an incremental run share this SQL, so they cannot disagree on what a
/// profile's row is (DESIGN.md §3): a live profile's trait is the latest value over the
/// latest snapshot of each of its segment_ids (non-NULL only with `keep_last_value`);
/// merged-away segment_ids keep a row with NULL traits and `merged_to`; every canonical
/// without a graph row of its own (a dangling target) and every trait owner unknown to the
/// graph is a profile too. Intermediate results are indexed work tables, not CTEs, so no
/// engine re-evaluates them per row.
struct ProfileTraitsBuilder {
    let database: any Database
    let work: WorkTables
    let traitNulls: TraitNulls
    /// Qualified table with `segment_id` and `canonical_segment_id` (the new graph).
    let graph: String
    /// Qualified table with `segment_id`, `seq`, `uuid_ts` and the trait columns.
    let snapshots: String
    /// The trait columns, in output order.
    let traits: [String]

    /// Creates `output` with `canonical_segment_id, merged_to, <traits>, etl_ts`. With `keys`
    /// (a qualified table with a `profile_id` column) only those profile ids get rows.
    func build(into output: String, keys: String?, etl: String) throws {
        let d = database.dialect
        let owned = work.name("traits_owned")
        let values = work.name("traits_values")
        let quoted = traits.map(d.quote)
        let latestOrder = Self.latestOrder

        // The segment_ids whose snapshots make each profile.
        let members: String
        if let keys {
            members = """
                SELECT g.segment_id AS segment_id, g.canonical_segment_id AS canonical FROM \(graph) g
                WHERE g.canonical_segment_id IN (SELECT k.profile_id FROM \(keys) k)
                UNION ALL
                SELECT k.profile_id, k.profile_id FROM \(keys) k WHERE NOT EXISTS (SELECT 1 FROM \(graph) x WHERE x.segment_id = k.profile_id)
                """
        } else {
            members = Self.members(graph: graph, snapshots: snapshots)
        }
        try database.execute("""
            CREATE TABLE \(owned) AS
            SELECT m.canonical AS canonical, s.seq AS seq, s.uuid_ts AS uuid_ts,
                   COUNT(*) OVER (PARTITION BY m.canonical) AS snapshots\(quoted.map { ", s.\($0) AS \($0)" }.joined())
            FROM (\(members)) m
            JOIN \(snapshots) s ON s.segment_id = m.segment_id
            """)
        try database.execute(work.index("traits_owned", columns: ["canonical"]))

        // One row of trait values per live profile. Most profiles have one snapshot and take it
        // as it is; only the rest pay for the per-trait window sorts.
        let windowed = Self.traitValues(quoted, traitNulls: traitNulls)
        try database.execute("""
            CREATE TABLE \(values) AS
            SELECT o.canonical AS canonical\(quoted.map { ", o.\($0) AS \($0)" }.joined())
            FROM \(owned) o
            WHERE o.snapshots = 1
            UNION ALL
            SELECT canonical\(quoted.map { ", " + $0 }.joined()) FROM (
                SELECT o.canonical AS canonical\(windowed.map { ", " + $0 }.joined()),
                       ROW_NUMBER() OVER (PARTITION BY o.canonical ORDER BY \(latestOrder)) AS rn
                FROM \(owned) o
                WHERE o.snapshots > 1
            ) ranked
            WHERE rn = 1
            """)
        try database.execute(work.index("traits_values", columns: ["canonical"], unique: true))

        try database.execute("""
            CREATE TABLE \(output) AS
            SELECT p.canonical_segment_id AS canonical_segment_id, p.merged_to AS merged_to\(quoted.map { ", v.\($0) AS \($0)" }.joined()), \(etl) AS etl_ts
            FROM (\(Self.profiles(graph: graph, snapshots: snapshots, keys: keys))) p
            LEFT JOIN \(values) v ON v.canonical = p.canonical_segment_id AND p.merged_to IS NULL
            """)
    }

    /// Latest snapshot first, within one profile's owned snapshots `o`.
    static let latestOrder = "o.seq DESC, o.uuid_ts DESC NULLS LAST"

    /// Every graph segment_id with its canonical, and every trait owner unknown to the graph
    /// as its own profile.
    static func members(graph: String, snapshots: String) -> String {
        """
        SELECT g.segment_id AS segment_id, g.canonical_segment_id AS canonical FROM \(graph) g
        UNION ALL
        SELECT s.segment_id, s.segment_id FROM \(snapshots) s LEFT JOIN \(graph) x ON x.segment_id = s.segment_id WHERE x.segment_id IS NULL
        """
    }

    /// One value per trait over a profile's owned snapshots `o`, taken from the row ranked
    /// first by ``latestOrder``: the latest non-NULL value (`keep_last_value`) or the latest
    /// snapshot's value as it is (`propagate`).
    static func traitValues(_ quotedTraits: [String], traitNulls: TraitNulls) -> [String] {
        quotedTraits.map { trait in
            switch traitNulls {
            case .keepLastValue:
                return "FIRST_VALUE(o.\(trait)) OVER (PARTITION BY o.canonical ORDER BY CASE WHEN o.\(trait) IS NULL THEN 1 ELSE 0 END, \(latestOrder)) AS \(trait)"
            case .propagate:
                return "o.\(trait) AS \(trait)"
            }
        }
    }

    /// Every profile id with its `merged_to` (NULL when live): each graph segment_id, each
    /// canonical without a graph row (a dangling target), each trait owner unknown to the
    /// graph; with `keys`, only those listed. Anti-joins are LEFT JOINs so that SQLite builds
    /// an automatic index when the graph is a view.
    static func profiles(graph: String, snapshots: String, keys: String?) -> String {
        let only: (String) -> String = { column in keys.map { " AND \(column) IN (SELECT k.profile_id FROM \($0) k)" } ?? "" }
        return """
            SELECT g.segment_id AS canonical_segment_id,
                   CASE WHEN g.canonical_segment_id <> g.segment_id THEN g.canonical_segment_id END AS merged_to
            FROM \(graph) g WHERE 1 = 1\(only("g.segment_id"))
            UNION
            SELECT g.canonical_segment_id, NULL FROM \(graph) g LEFT JOIN \(graph) x ON x.segment_id = g.canonical_segment_id
            WHERE x.segment_id IS NULL\(only("g.canonical_segment_id"))
            UNION
            SELECT s.segment_id, NULL FROM \(snapshots) s LEFT JOIN \(graph) x ON x.segment_id = s.segment_id
            WHERE x.segment_id IS NULL\(only("s.segment_id"))
            """
    }
}
