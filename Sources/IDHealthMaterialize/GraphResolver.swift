import IDHealthSQL

/// Resolves every segment_id's current pointer to its canonical profile, in the database.
///
/// Follows docs/semantics.md, "Resolution": the current pointer is the row with the greatest `seq` per
/// segment_id (ties: greatest `uuid_ts`); resolution follows pointers to a self-pointer
/// (terminal) or to an id without rows of its own (dangling). It uses pointer jumping over an
/// indexed work table, so a chain of depth d converges in about log2(d) passes whatever order
/// the rows landed in. Cycles are broken deterministically: the target of the cycle member
/// whose current row has the greatest seq (the most recent merge) becomes the canonical of
/// every member and of every id leading into the cycle.
///
/// The input is a pointer table `(segment_id, target, seq, "timestamp", uuid_ts)`: every
/// current pointer for a full rebuild, or only the pointers of the profiles an incremental
/// run re-resolves (with edges leaving that set already replaced by their unchanged canonical).
///
/// The result is the work table `resolved(segment_id, canonical, hops, kind)` where `kind` is
/// `terminal`, `merged` (one hop), `chain` (two or more hops), `dangling` (ends at an id
/// without rows), `cycle` (a member) or `into_cycle`.
struct GraphResolver {
    let database: any Database
    let work: WorkTables
    /// The pointer table to resolve.
    let pointer: QualifiedName

    /// Pass limit safety net: pointer jumping needs about log2(depth) passes, and ids still
    /// pending after that are on or leading into a cycle.
    static func passLimit(rows: Int64) -> Int {
        var passes = 1
        var reach: Int64 = 1
        while reach < rows, passes < 62 {
            reach *= 2
            passes += 1
        }
        return passes + 1
    }

    /// The `id_graph` rows of a resolution: each pointer of `pointer` with the canonical
    /// `resolved` gives it (a full rebuild's graph, or a drift sample's).
    static func graphRows(pointer: QualifiedName, resolved: QualifiedName, etl: SQL) -> SQL {
        """
        SELECT p.segment_id AS segment_id, r.canonical AS canonical_segment_id,
               p."timestamp" AS "timestamp", p.seq AS seq, p.uuid_ts AS uuid_ts, \(sql: etl) AS etl_ts
        FROM \(table: pointer) p
        JOIN \(table: resolved) r ON r.segment_id = p.segment_id
        """
    }

    /// Builds the `resolved` work table (and its helpers); returns resolution counts by kind.
    func resolve() throws -> [String: Int64] {
        let jump = work.name("jump"), walk = work.name("walk"), cycle = work.name("cycle"), resolved = work.name("resolved")

        try database.execute("""
            CREATE TABLE \(table: jump) AS
            SELECT p.segment_id AS segment_id, p.target AS anc,
                   CAST(CASE WHEN p.target = p.segment_id THEN 0 ELSE 1 END AS \(type: .integer)) AS hops,
                   CAST(CASE WHEN p.target = p.segment_id OR t.segment_id IS NULL OR t.target = t.segment_id
                             THEN 1 ELSE 0 END AS \(type: .integer)) AS done
            FROM \(table: pointer) p
            LEFT JOIN \(table: pointer) t ON t.segment_id = p.target
            """)
        try database.execute(work.index("jump", columns: ["segment_id"], unique: true))
        try database.execute(work.index("jump", columns: ["done", "segment_id"], suffix: "pending"))

        let rows = try database.scalar("SELECT COUNT(*) FROM \(table: jump)").intValue ?? 0
        var pending = try database.scalar("SELECT COUNT(*) FROM \(table: jump) WHERE done = 0").intValue ?? 0
        var passes = 0
        let limit = Self.passLimit(rows: rows)
        while pending > 0, passes < limit {
            try database.execute("""
                UPDATE \(table: jump) AS j SET anc = n.anc, hops = j.hops + n.hops, done = n.done
                FROM \(table: jump) AS n
                WHERE j.done = 0 AND n.segment_id = j.anc
                """)
            passes += 1
            pending = try database.scalar("SELECT COUNT(*) FROM \(table: jump) WHERE done = 0").intValue ?? 0
        }

        // Ids still pending are on a cycle or lead into one. The walk from each visits its
        // whole basin once (UNION drops repeats, so it ends on cycles).
        try database.execute("""
            CREATE TABLE \(table: walk) AS
            WITH RECURSIVE steps(start_id, cur) AS (
                SELECT j.segment_id, j.anc FROM \(table: jump) j WHERE j.done = 0
                UNION
                SELECT s.start_id, p.target FROM steps s JOIN \(table: pointer) p ON p.segment_id = s.cur
            )
            SELECT start_id, cur FROM steps
            """)
        try database.execute(work.index("walk", columns: ["start_id", "cur"]))
        try database.execute("""
            CREATE TABLE \(table: cycle) AS
            SELECT segment_id, canonical,
                   CASE WHEN EXISTS (SELECT 1 FROM \(table: walk) s WHERE s.start_id = r.segment_id AND s.cur = r.segment_id)
                        THEN 'cycle' ELSE 'into_cycle' END AS kind
            FROM (
                SELECT w.start_id AS segment_id, p.target AS canonical,
                       ROW_NUMBER() OVER (PARTITION BY w.start_id ORDER BY p.seq DESC, p.segment_id DESC) AS rn
                FROM \(table: walk) w
                JOIN \(table: pointer) p ON p.segment_id = w.cur
                WHERE EXISTS (SELECT 1 FROM \(table: walk) m WHERE m.start_id = w.cur AND m.cur = w.cur)
            ) r
            WHERE rn = 1
            """)
        try database.execute(work.index("cycle", columns: ["segment_id"], unique: true))

        try database.execute("""
            CREATE TABLE \(table: resolved) AS
            SELECT j.segment_id AS segment_id,
                   COALESCE(c.canonical, j.anc) AS canonical,
                   CASE WHEN c.segment_id IS NULL THEN j.hops END AS hops,
                   CASE WHEN c.segment_id IS NOT NULL THEN c.kind
                        WHEN NOT EXISTS (SELECT 1 FROM \(table: pointer) t WHERE t.segment_id = j.anc) THEN 'dangling'
                        WHEN j.hops = 0 THEN 'terminal'
                        WHEN j.hops = 1 THEN 'merged'
                        ELSE 'chain' END AS kind
            FROM \(table: jump) j
            LEFT JOIN \(table: cycle) c ON c.segment_id = j.segment_id
            """)
        try database.execute(work.index("resolved", columns: ["segment_id"], unique: true))
        try database.execute(work.index("resolved", columns: ["canonical"], suffix: "canonical"))

        var counts: [String: Int64] = [:]
        try database.forEachRow("SELECT kind, COUNT(*) AS n FROM \(table: resolved) GROUP BY kind") { row in
            counts[row["kind"].stringValue ?? "?"] = row["n"].intValue ?? 0
            return true
        }
        counts["passes"] = Int64(passes)
        return counts
    }
}
