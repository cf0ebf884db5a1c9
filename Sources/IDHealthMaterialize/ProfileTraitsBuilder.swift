import IDHealthSQL

/// Builds `profile_traits` rows from a graph (`id_graph`'s shape) and the latest trait snapshot
/// of every segment_id: for every profile, or only for the profile ids listed in a key table.
///
/// A full rebuild and an incremental run share this SQL, so they cannot disagree on what a
/// profile's row is (docs/semantics.md, "profile_traits"): a live profile's trait is the
/// latest value over the latest snapshot of each of its segment_ids (non-NULL only with
/// `keep_last_value`); merged-away segment_ids keep a row with NULL traits and `merged_to`;
/// every canonical without a graph row of its own (a dangling target) and every trait owner
/// unknown to the graph is a profile too. Intermediate results are indexed work tables, not
/// CTEs, so no engine re-evaluates them per row. Columns of idhealth's own that sit beside
/// trait columns start with `_idh_`, a name no trait can have.
struct ProfileTraitsBuilder {
    let work: WorkTables
    let traitNulls: TraitNulls
    /// Table with `segment_id` and `canonical_segment_id` (the new graph).
    let graph: QualifiedName
    /// Table with `segment_id`, `seq`, `uuid_ts` and the trait columns.
    let snapshots: QualifiedName
    /// The trait columns, in output order.
    let traits: [String]

    /// The profile a snapshot belongs to, and how many snapshots that profile has.
    static let owner = "_idh_canonical"
    static let snapshotCount = "_idh_snapshots"
    /// A snapshot's place among its profile's snapshots, 1 for the latest (``latestOrder``).
    static let position = "_idh_position"

    /// Creates `output` with `canonical_segment_id, merged_to, <traits>, etl_ts`. With `keys`
    /// (a table with a `profile_id` column) only those profile ids get rows.
    func build(into output: QualifiedName, keys: QualifiedName?, etl: SQL, on database: any Database) throws {
        for statement in statements(into: output, keys: keys, etl: etl) { try database.execute(statement) }
    }

    /// The statements of ``build(into:keys:etl:on:)``, in order.
    func statements(into output: QualifiedName, keys: QualifiedName?, etl: SQL) -> [SQL] {
        var statements: [SQL?] = []
        let owned = work.name("traits_owned")
        let values = work.name("traits_values")
        let quoted = traits.map(SQL.identifier)
        let owner = SQL.identifier(Self.owner), count = SQL.identifier(Self.snapshotCount), position = SQL.identifier(Self.position)

        // The segment_ids whose snapshots make each profile.
        let members: SQL
        if let keys {
            members = """
                SELECT g.segment_id AS segment_id, g.canonical_segment_id AS canonical FROM \(table: graph) g
                WHERE g.canonical_segment_id IN (SELECT k.profile_id FROM \(table: keys) k)
                UNION ALL
                SELECT k.profile_id, k.profile_id FROM \(table: keys) k WHERE NOT EXISTS (SELECT 1 FROM \(table: graph) x WHERE x.segment_id = k.profile_id)
                """
        } else {
            members = Self.members(graph: .table(graph), snapshots: .table(snapshots))
        }
        statements.append("""
            CREATE TABLE \(table: owned) AS
            SELECT m.canonical AS \(sql: owner), s.seq AS seq, s.uuid_ts AS uuid_ts,
                   COUNT(*) OVER (PARTITION BY m.canonical) AS \(sql: count),
                   ROW_NUMBER() OVER (PARTITION BY m.canonical ORDER BY \(sql: LatestRowRule.snapshot.latestFirst("s"))) AS \(sql: position)\(sql: LatestRows.list(quoted.map { "s.\(sql: $0) AS \(sql: $0)" }))
            FROM (\(sql: members)) m
            JOIN \(table: snapshots) s ON s.segment_id = m.segment_id
            """)
        statements.append(work.index("traits_owned", columns: [Self.owner, Self.position]))

        // One row of trait values per live profile. Most profiles have one snapshot and take it
        // as it is; the rest take each trait from one of their snapshots, found by position.
        statements.append("""
            CREATE TABLE \(table: values) AS
            SELECT o.\(sql: owner) AS \(sql: owner)\(sql: LatestRows.list(quoted.map { "o.\(sql: $0) AS \(sql: $0)" }))
            FROM \(table: owned) o
            WHERE o.\(sql: count) = 1
            UNION ALL
            \(sql: Self.severalSnapshots(quoted, owned: owned, traitNulls: traitNulls))
            """)
        statements.append(work.index("traits_values", columns: [Self.owner], unique: true))

        statements.append("""
            CREATE TABLE \(table: output) AS
            SELECT p.canonical_segment_id AS canonical_segment_id, p.merged_to AS merged_to\(sql: LatestRows.list(quoted.map { "v.\(sql: $0) AS \(sql: $0)" })), \(sql: etl) AS etl_ts
            FROM (\(sql: Self.profiles(graph: .table(graph), snapshots: .table(snapshots), keys: keys))) p
            LEFT JOIN \(table: values) v ON v.\(sql: owner) = p.canonical_segment_id AND p.merged_to IS NULL
            """)
        return statements.compactMap { $0 }
    }

    /// Latest snapshot first, within one profile's owned snapshots `o`.
    static let latestOrder = LatestRowRule.snapshot.latestFirst("o")

    /// Every graph segment_id with its canonical, and every trait owner unknown to the graph
    /// as its own profile.
    static func members(graph: SQL, snapshots: SQL) -> SQL {
        """
        SELECT g.segment_id AS segment_id, g.canonical_segment_id AS canonical FROM \(sql: graph) g
        UNION ALL
        SELECT s.segment_id, s.segment_id FROM \(sql: snapshots) s LEFT JOIN \(sql: graph) x ON x.segment_id = s.segment_id WHERE x.segment_id IS NULL
        """
    }

    /// One value per trait over a profile's owned snapshots `o`, as window functions (the
    /// views' form, which has no indexed work table to look values up in): the row ranked
    /// first by ``latestOrder`` among those with a value (`keep_last_value`), or the latest
    /// snapshot's value as it is (`propagate`). The same rule as ``severalSnapshots``; the
    /// mode tests hold the views' rows equal to the tables'.
    static func traitValues(_ quotedTraits: [SQL], traitNulls: TraitNulls) -> [SQL] {
        quotedTraits.map { trait in
            switch traitNulls {
            case .keepLastValue:
                return "FIRST_VALUE(o.\(sql: trait)) OVER (PARTITION BY o.\(ident: owner) ORDER BY CASE WHEN o.\(sql: trait) IS NULL THEN 1 ELSE 0 END, \(sql: latestOrder)) AS \(sql: trait)"
            case .propagate:
                return "o.\(sql: trait) AS \(sql: trait)"
            }
        }
    }

    /// The trait values of every profile with several snapshots in `owned`: the latest
    /// snapshot's values as they are (`propagate`), or each trait's latest non-NULL value
    /// (`keep_last_value`): the smallest position holding a value, found for every trait in
    /// one grouped pass, then read by an index lookup. One sort serves every trait, so memory
    /// and time do not grow with a sort per trait (SQLite keeps each sort in memory up to its
    /// cache size; engines without `IGNORE NULLS` cannot share one window).
    static func severalSnapshots(_ quotedTraits: [SQL], owned: QualifiedName, traitNulls: TraitNulls) -> SQL {
        let owner = SQL.identifier(Self.owner), count = SQL.identifier(Self.snapshotCount), position = SQL.identifier(Self.position)
        switch traitNulls {
        case .propagate:
            return """
                SELECT o.\(sql: owner)\(sql: LatestRows.list(quotedTraits.map { "o.\(sql: $0)" }))
                FROM \(table: owned) o
                WHERE o.\(sql: count) > 1 AND o.\(sql: position) = 1
                """
        case .keepLastValue:
            let at = quotedTraits.indices.map { SQL.identifier("_idh_at_\($0)") }
            let lookups = zip(quotedTraits, at).map { trait, at -> SQL in
                "(SELECT \(sql: .onlyValue("x.\(sql: trait)")) FROM \(table: owned) x WHERE x.\(sql: owner) = f.\(sql: owner) AND x.\(sql: position) = f.\(sql: at)) AS \(sql: trait)"
            }
            let firsts = zip(quotedTraits, at).map { trait, at -> SQL in
                "MIN(CASE WHEN o.\(sql: trait) IS NOT NULL THEN o.\(sql: position) END) AS \(sql: at)"
            }
            return """
                SELECT f.\(sql: owner)\(sql: LatestRows.list(lookups))
                FROM (
                    SELECT o.\(sql: owner) AS \(sql: owner)\(sql: LatestRows.list(firsts))
                    FROM \(table: owned) o
                    WHERE o.\(sql: count) > 1
                    GROUP BY o.\(sql: owner)
                ) f
                """
        }
    }

    /// Every profile id with its `merged_to` (NULL when live): each graph segment_id, each
    /// canonical without a graph row (a dangling target), each trait owner unknown to the
    /// graph; with `keys`, only those listed. Anti-joins are LEFT JOINs so that SQLite builds
    /// an automatic index when the graph is a view.
    static func profiles(graph: SQL, snapshots: SQL, keys: QualifiedName?) -> SQL {
        let only: (SQL) -> SQL = { column in keys.map { " AND \(sql: column) IN (SELECT k.profile_id FROM \(table: $0) k)" } ?? "" }
        return """
            SELECT g.segment_id AS canonical_segment_id,
                   CASE WHEN g.canonical_segment_id <> g.segment_id THEN g.canonical_segment_id END AS merged_to
            FROM \(sql: graph) g WHERE 1 = 1\(sql: only("g.segment_id"))
            \(sql: .unionDistinct)
            SELECT g.canonical_segment_id, NULL FROM \(sql: graph) g LEFT JOIN \(sql: graph) x ON x.segment_id = g.canonical_segment_id
            WHERE x.segment_id IS NULL\(sql: only("g.canonical_segment_id"))
            \(sql: .unionDistinct)
            SELECT s.segment_id, NULL FROM \(sql: snapshots) s LEFT JOIN \(sql: graph) x ON x.segment_id = s.segment_id
            WHERE x.segment_id IS NULL\(sql: only("s.segment_id"))
            """
    }
}
