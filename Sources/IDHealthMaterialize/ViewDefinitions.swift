import Foundation
import IDHealthSQL

/// `view` mode: `id_graph`, `external_id_mapping` and `profile_traits` as plain views over
/// the raw tables, giving the same rows as a full rebuild whenever they are queried.
///
/// Nothing is stored, so nothing drifts; every query pays for the whole resolution. The
/// resolution is a recursive walk along current pointers (UNION drops repeated steps, so it
/// ends on cycles) with the same rules as ``GraphResolver``: the walk's terminal, or for a
/// cycle the target of its member with the greatest seq. The trait columns are those of
/// `profile_traits_updates` when the views are created: run `materialize --mode view` again
/// after a new trait column appears.
struct ViewDefinitions {
    let materializer: Materializer
    var database: any Database { materializer.database }
    var schemas: Schemas { materializer.schemas }
    var traitNulls: TraitNulls { materializer.traitNulls }

    func create(into summary: inout MaterializeSummary, progress: (String) -> Void) throws {
        let d = database.dialect
        progress("validating raw tables in \(schemas.source)")
        let traits = try RawTables(database: database, schema: schemas.source).validate()
        summary.traitColumns = traits.map(\.name)
        if d.engine == .sqlite && schemas.source != schemas.target {
            throw ConfigError("view mode on SQLite needs the views beside the raw tables (a SQLite view cannot read another attached file): set target_schema to the source schema `\(schemas.source)`, or use --mode table")
        }
        guard d.hasRecursiveUnion else {
            let engine = d.engine.displayName
            throw ConfigError("view mode resolves the graph in a recursive query that drops repeated steps, and "
                + engine + "'s recursive queries take UNION ALL only, which would not end on a cycle: use --mode table or --mode incremental")
        }
        try database.useSchema(schemas.target, create: true)
        let definitions = [
            (TableName.idGraph, idGraph()),
            (TableName.externalIDMapping, externalIDMapping()),
            (TableName.profileTraits, profileTraits(traits)),
        ]
        try database.inTransaction {
            try materializer.dropCurrent()
            for (name, select) in definitions {
                try database.execute("CREATE VIEW \(table: schemas.target(name)) AS\n\(sql: select)")
            }
        }
    }

    var rows: LatestRows { LatestRows(schemas: schemas) }

    func idGraph() -> SQL {
        """
        WITH RECURSIVE pointer AS (
        \(sql: rows.currentPointers())
        ),
        walk(start_id, cur) AS (
            SELECT segment_id, target FROM pointer
            UNION
            SELECT w.start_id, p.target FROM walk w JOIN pointer p ON p.segment_id = w.cur WHERE p.target <> p.segment_id
        ),
        terminal AS (
            SELECT w.start_id AS start_id, w.cur AS canonical FROM walk w
            LEFT JOIN pointer p ON p.segment_id = w.cur
            WHERE p.segment_id IS NULL OR p.target = p.segment_id
        ),
        on_cycle AS (
            SELECT w.start_id AS segment_id FROM walk w JOIN pointer p ON p.segment_id = w.start_id
            WHERE w.cur = w.start_id AND p.target <> p.segment_id
        ),
        cycle_canonical AS (
            SELECT start_id, canonical FROM (
                SELECT w.start_id AS start_id, p.target AS canonical,
                       ROW_NUMBER() OVER (PARTITION BY w.start_id ORDER BY \(sql: CycleRule.deciderFirst("p"))) AS rn
                FROM walk w JOIN pointer p ON p.segment_id = w.cur
                WHERE w.cur IN (SELECT segment_id FROM on_cycle) AND w.start_id NOT IN (SELECT start_id FROM terminal)
            ) ranked
            WHERE rn = 1
        )
        SELECT p.segment_id AS segment_id, COALESCE(t.canonical, c.canonical) AS canonical_segment_id,
               p.\(ident: "timestamp") AS \(ident: "timestamp"), p.seq AS seq, p.uuid_ts AS uuid_ts, \(sql: .now) AS etl_ts
        FROM pointer p
        LEFT JOIN terminal t ON t.start_id = p.segment_id
        LEFT JOIN cycle_canonical c ON c.start_id = p.segment_id
        """
    }

    func externalIDMapping() -> SQL {
        rows.latestMappings(graph: schemas.target(TableName.idGraph), etl: .now)
    }

    func profileTraits(_ traits: [TraitColumn]) -> SQL {
        let quoted = traits.map { SQL.identifier($0.name) }
        let windowed = ProfileTraitsBuilder.traitValues(quoted, traitNulls: traitNulls)
        let owner = SQL.identifier(ProfileTraitsBuilder.owner), rank = SQL.identifier(LatestRows.rank)
        // Each CTE is computed once (the id_graph view would otherwise be evaluated once per
        // reference). Every profile with trait values is live; the other profiles (merged
        // away, or live without trait rows) follow with NULL traits. A LEFT JOIN of profiles
        // to trait_values would be the same rows, but SQLite scans trait_values per row there.
        return """
            WITH graph AS \(sql: database.dialect.materializedCTE)(
                SELECT segment_id, canonical_segment_id FROM \(table: schemas.target(TableName.idGraph))
            ),
            snapshots AS \(sql: database.dialect.materializedCTE)(
            \(sql: rows.latestSnapshots(traits, dialect: database.dialect))
            ),
            trait_values AS \(sql: database.dialect.materializedCTE)(
                SELECT \(sql: owner)\(sql: LatestRows.list(quoted)) FROM (
                    SELECT o.\(sql: owner) AS \(sql: owner)\(sql: LatestRows.list(windowed)),
                           ROW_NUMBER() OVER (PARTITION BY o.\(sql: owner) ORDER BY \(sql: ProfileTraitsBuilder.latestOrder)) AS \(sql: rank)
                    FROM (
                        SELECT m.canonical AS \(sql: owner), s.seq AS seq, s.uuid_ts AS uuid_ts\(sql: LatestRows.list(quoted.map { "s.\(sql: $0) AS \(sql: $0)" }))
                        FROM (\(sql: ProfileTraitsBuilder.members(graph: "graph", snapshots: "snapshots"))) m
                        JOIN snapshots s ON s.segment_id = m.segment_id
                    ) o
                ) ranked
                WHERE \(sql: rank) = 1
            )
            SELECT v.\(sql: owner) AS canonical_segment_id, CAST(NULL AS \(type: .text)) AS merged_to\(sql: LatestRows.list(quoted.map { "v.\(sql: $0) AS \(sql: $0)" })), \(sql: .now) AS etl_ts
            FROM trait_values v
            UNION ALL
            SELECT p.canonical_segment_id, p.merged_to\(sql: LatestRows.list(quoted.map { "NULL AS \(sql: $0)" })), \(sql: .now)
            FROM (\(sql: ProfileTraitsBuilder.profiles(graph: "graph", snapshots: "snapshots", keys: nil))) p
            WHERE p.merged_to IS NOT NULL OR p.canonical_segment_id NOT IN (SELECT \(sql: owner) FROM trait_values)
            """
    }
}
