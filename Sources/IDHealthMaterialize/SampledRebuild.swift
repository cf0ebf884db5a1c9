import IDHealthSQL

/// Rebuilds the rows of a random sample of keys exactly as a full rebuild would, reading only
/// what those keys depend on, so `materialization_drift` can compare them with the stored rows
/// without rebuilding everything (docs/semantics.md, "Drift").
///
/// Why the sample is exact: a segment_id's canonical depends only on the pointers reachable
/// from it, so resolving the forward closure of the sampled ids (closed under "points to")
/// gives the canonical a full rebuild gives. A profile's members are ids whose walk ends at
/// it, all of which reach it, so the reverse closure of a sampled profile holds every member;
/// resolving them and keeping those whose canonical is the profile gives its exact members,
/// and from them its trait row (``ProfileTraitsBuilder``, the code the materializations use)
/// and its external ids. An external id's row is its latest raw row with that row's
/// segment_id resolved the same way. Keys are drawn from both sides (the stored table and the
/// raw history), so a row missing on either side can be drawn.
///
/// The result is six small tables: the rebuilt rows under the work's staging prefix
/// (`{{rebuilt.TABLE}}`) and the stored rows of the same keys under `storedPrefix`, each
/// named like the table it samples, so the drift check compares them with the query it uses
/// for a full rebuild.
package struct SampledRebuild {
    package struct Size: Sendable, Hashable {
        /// Segment_ids whose `id_graph` row is compared.
        package var segmentIDs: Int
        /// Profiles whose `profile_traits` row and external ids are compared.
        package var profiles: Int

        package init(segmentIDs: Int, profiles: Int) {
            self.segmentIDs = segmentIDs
            self.profiles = profiles
        }
    }

    /// How many keys of each table went into the comparison.
    package struct Drawn: Sendable, Hashable {
        package var segmentIDs: Int64 = 0
        package var profiles: Int64 = 0
        package var externalIDs: Int64 = 0
    }

    let materializer: Materializer
    /// Where the sample's work tables and rebuilt rows go (the connection's temporary schema).
    let work: WorkTables
    /// Every segment_id's current pointer (`segment_id, target, seq, "timestamp", uuid_ts`),
    /// with an index on `segment_id`.
    let pointers: QualifiedName
    /// The prefix of the tables holding the stored rows of the sampled keys.
    let storedPrefix: String

    package init(materializer: Materializer, work: WorkTables, pointers: QualifiedName, storedPrefix: String) {
        self.materializer = materializer
        self.work = work
        self.pointers = pointers
        self.storedPrefix = storedPrefix
    }

    var database: any Database { materializer.database }
    var schemas: Schemas { materializer.schemas }

    /// The table holding the stored rows of the sampled keys of `table`.
    package func stored(_ table: String) -> QualifiedName {
        QualifiedName(work.schema, storedPrefix + table)
    }

    package func build(_ size: Size) throws -> Drawn {
        let traitColumns = try RawTables(database: database, schema: schemas.source).validate()
        let rows = LatestRows(schemas: schemas)
        let ids = work.name("sample_ids"), profiles = work.name("sample_profiles"), members = work.name("sample_members")
        let hashes = work.name("sample_hashes"), mappingRows = work.name("sample_mapping_rows")
        let closure = work.name("sample_closure"), subPointer = work.name("sample_pointer"), graph = work.name("sample_graph")
        let snapshots = work.name("sample_snapshots")
        let storedGraph = schemas.target(TableName.idGraph), storedMapping = schemas.target(TableName.externalIDMapping),
            storedTraits = schemas.target(TableName.profileTraits)
        let raw = { (table: String) in schemas.source(table) }

        // The sampled keys, drawn from the stored keys and the raw history's together.
        try draw(size.segmentIDs, into: ids, column: "segment_id",
                 from: "SELECT p.segment_id AS segment_id FROM \(table: pointers) p", "SELECT g.segment_id FROM \(table: storedGraph) g")
        try draw(size.profiles, into: profiles, column: "profile_id",
                 from: "SELECT p.segment_id AS profile_id FROM \(table: pointers) p", "SELECT t.canonical_segment_id FROM \(table: storedTraits) t")
        try database.execute(work.index("sample_profiles", columns: ["profile_id"], unique: true))

        // Every id that could belong to a sampled profile: those that reach it.
        try database.execute(database.dialect.createIndex("idhealth_\(work.token)_sample_target", on: pointers, columns: ["target"], unique: false))
        try reachable(into: members, seed: "SELECT s.profile_id AS segment_id FROM \(table: profiles) s", index: "sample_members") { frontier in
            "SELECT p.segment_id AS segment_id FROM \(sql: frontier) f JOIN \(table: pointers) p ON p.target = f.segment_id"
        }

        // The external ids of the sampled profiles on either side, and all their raw rows.
        try database.execute("""
            CREATE TABLE \(table: hashes) AS
            SELECT x.external_id_hash AS external_id_hash FROM \(table: raw(TableName.externalIDMappingUpdates)) x
            WHERE x.segment_id IN (SELECT m.segment_id FROM \(table: members) m)
            \(sql: .unionDistinct)
            SELECT e.external_id_hash FROM \(table: storedMapping) e
            WHERE e.canonical_segment_id IN (SELECT s.profile_id FROM \(table: profiles) s)
            """)
        try database.execute(work.index("sample_hashes", columns: ["external_id_hash"], unique: true))
        try database.execute("""
            CREATE TABLE \(table: mappingRows) AS
            SELECT x.* FROM \(table: raw(TableName.externalIDMappingUpdates)) x
            WHERE x.external_id_hash IN (SELECT h.external_id_hash FROM \(table: hashes) h)
            """)

        // Resolve everything the sampled rows depend on: the forward closure of their ids.
        let seed: SQL = """
            SELECT i.segment_id AS segment_id FROM \(table: ids) i
            \(sql: .unionDistinct) SELECT m.segment_id FROM \(table: members) m
            \(sql: .unionDistinct) SELECT x.segment_id FROM \(table: mappingRows) x
            """
        try reachable(into: closure, seed: seed, index: "sample_closure") { frontier in
            "SELECT p.target AS segment_id FROM \(sql: frontier) f JOIN \(table: pointers) p ON p.segment_id = f.segment_id"
        }
        try database.execute("""
            CREATE TABLE \(table: subPointer) AS
            SELECT \(sql: LatestRows.pointerColumns("p")) FROM \(table: pointers) p
            WHERE p.segment_id IN (SELECT c.segment_id FROM \(table: closure) c)
            """)
        try database.execute(work.index("sample_pointer", columns: ["segment_id"], unique: true))
        _ = try GraphResolver(work: work, pointer: subPointer).resolve(on: database)
        let etl = SQL.timestamp(literal: Materializer.utcText(materializer.clock()))
        try database.execute("CREATE TABLE \(table: graph) AS\n\(sql: GraphResolver.graphRows(pointer: subPointer, resolved: work.name("resolved"), etl: etl))")
        try database.execute(work.index("sample_graph", columns: ["segment_id"], unique: true))
        try database.execute(work.index("sample_graph", columns: ["canonical_segment_id"], suffix: "canonical"))

        // The rebuilt rows of the sampled keys, and the stored rows of the same keys.
        try database.execute("""
            CREATE TABLE \(table: work.stageName(TableName.idGraph)) AS
            SELECT g.* FROM \(table: graph) g WHERE g.segment_id IN (SELECT i.segment_id FROM \(table: ids) i)
            """)
        try database.execute("""
            CREATE TABLE \(table: stored(TableName.idGraph)) AS
            SELECT g.* FROM \(table: storedGraph) g WHERE g.segment_id IN (SELECT i.segment_id FROM \(table: ids) i)
            """)
        try database.execute("CREATE TABLE \(table: work.stageName(TableName.externalIDMapping)) AS\n\(sql: rows.latestMappings(graph: graph, etl: etl, rows: mappingRows))")
        try database.execute("""
            CREATE TABLE \(table: stored(TableName.externalIDMapping)) AS
            SELECT e.* FROM \(table: storedMapping) e WHERE e.external_id_hash IN (SELECT h.external_id_hash FROM \(table: hashes) h)
            """)
        let owners: SQL = "t.segment_id IN (SELECT m.segment_id FROM \(table: members) m)"
        try database.execute("CREATE TABLE \(table: snapshots) AS\n\(sql: rows.latestSnapshots(traitColumns, dialect: database.dialect, only: owners))")
        try database.execute(work.index("sample_snapshots", columns: ["segment_id"], unique: true))
        try ProfileTraitsBuilder(work: work, traitNulls: materializer.traitNulls, graph: graph, snapshots: snapshots, traits: traitColumns.map(\.name))
            .build(into: work.stageName(TableName.profileTraits), keys: profiles, etl: etl, on: database)
        try database.execute("""
            CREATE TABLE \(table: stored(TableName.profileTraits)) AS
            SELECT t.* FROM \(table: storedTraits) t WHERE t.canonical_segment_id IN (SELECT s.profile_id FROM \(table: profiles) s)
            """)

        var drawn = Drawn()
        drawn.segmentIDs = try database.scalar("SELECT COUNT(*) FROM \(table: ids)").intValue ?? 0
        drawn.profiles = try database.scalar("SELECT COUNT(*) FROM \(table: profiles)").intValue ?? 0
        drawn.externalIDs = try database.scalar("SELECT COUNT(*) FROM \(table: hashes)").intValue ?? 0
        return drawn
    }

    /// Creates `table(segment_id, level)` with the ids `seed` selects (level 0) and every id
    /// reached from them by repeating `step` (which maps the ids of the last level, its
    /// argument, to their neighbours), level by level until a level adds nothing. A loop of
    /// plain statements, not a recursive query: a recursive query that drops repeated ids
    /// (`UNION`, which ends on a cycle) is what Redshift, Snowflake and BigQuery lack.
    func reachable(into table: QualifiedName, seed: SQL, index: String, step: (SQL) -> SQL) throws {
        try database.execute("CREATE TABLE \(table: table) AS SELECT DISTINCT s.segment_id AS segment_id, CAST(0 AS \(type: .integer)) AS level FROM (\(sql: seed)) s")
        try database.execute(work.index(index, columns: ["segment_id"], unique: true))
        var level: Int64 = 0
        while true {
            let frontier: SQL = "(SELECT t.segment_id FROM \(table: table) t WHERE t.level = \(bind: .integer(level)))"
            let added = try database.execute("""
                INSERT INTO \(table: table) (segment_id, level)
                SELECT DISTINCT n.segment_id, CAST(\(bind: .integer(level + 1)) AS \(type: .integer)) FROM (\(sql: step(frontier))) n
                WHERE NOT EXISTS (SELECT 1 FROM \(table: table) t WHERE t.segment_id = n.segment_id)
                """)
            if added == 0 { break }
            level += 1
        }
    }

    /// Creates `table(column)` with `count` keys drawn at random from the keys the two
    /// one-column queries select together (the first names its column `column`).
    func draw(_ count: Int, into table: QualifiedName, column: String, from first: SQL, _ second: SQL) throws {
        try database.execute("""
            CREATE TABLE \(table: table) AS
            SELECT k.\(ident: column) AS \(ident: column) FROM (
                \(sql: first)
                \(sql: .unionDistinct)
                \(sql: second)
            ) k
            ORDER BY \(sql: .random)
            LIMIT \(literal: .integer(Int64(count)))
            """)
    }

    /// Drops the sample's tables (the rebuilt and stored rows with them).
    package func dropAll() throws {
        try work.dropAll(includingStage: true)
        for table in TableName.materializedTables {
            try database.execute(database.dialect.dropTable(stored(table)))
        }
    }
}
