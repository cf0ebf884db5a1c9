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
               p.\(ident: "timestamp") AS \(ident: "timestamp"), p.seq AS seq, p.uuid_ts AS uuid_ts, \(sql: etl) AS etl_ts
        FROM \(table: pointer) p
        JOIN \(table: resolved) r ON r.segment_id = p.segment_id
        """
    }

    /// Builds the `resolved` work table (and its helpers); returns resolution counts by kind.
    /// The statements are ``jumpStatements()``, ``jumpPass()`` until nothing is pending (or
    /// the pass limit), then ``cycleStatements(walkBound:)``: a plan written to files
    /// (``MaterializationPlan``) repeats the same ones.
    func resolve(on database: any Database) throws -> [String: Int64] {
        let jump = work.name("jump"), resolved = work.name("resolved")
        for statement in jumpStatements() { try database.execute(statement) }
        let rows = try database.scalar("SELECT COUNT(*) FROM \(table: jump)").intValue ?? 0
        var pending = try database.scalar("SELECT COUNT(*) FROM \(table: jump) WHERE done = 0").intValue ?? 0
        var passes = 0
        let limit = Self.passLimit(rows: rows)
        while pending > 0, passes < limit {
            for statement in jumpPass() { try database.execute(statement) }
            passes += 1
            pending = try database.scalar("SELECT COUNT(*) FROM \(table: jump) WHERE done = 0").intValue ?? 0
        }
        for statement in cycleStatements(walkBound: .bind(.integer(pending))) { try database.execute(statement) }

        var counts: [String: Int64] = [:]
        try database.forEachRow("SELECT kind, COUNT(*) AS n FROM \(table: resolved) GROUP BY kind") { row in
            counts[row["kind"].stringValue ?? "?"] = row["n"].intValue ?? 0
            return true
        }
        counts["passes"] = Int64(passes)
        return counts
    }

    /// The whole resolution as a fixed list of statements, for a plan written to files:
    /// ``MaterializationPlan/passes`` jump passes (a pass with nothing pending changes
    /// nothing), and the cycle walk bounded by a count instead of a bound value.
    func plannedStatements() -> [SQL] {
        let pending: SQL = "(SELECT COUNT(*) FROM \(table: work.name("jump")) WHERE done = 0)"
        return jumpStatements() + Array(repeating: jumpPass(), count: MaterializationPlan.passes).flatMap { $0 } + cycleStatements(walkBound: pending)
    }

    /// The `jump` table: each pointer with its first ancestor, hop count and whether it is done
    /// (a terminal, a dangling target, or a target that is terminal), with its indexes.
    func jumpStatements() -> [SQL] {
        let jump = work.name("jump")
        let statements: [SQL?] = [
            """
            CREATE TABLE \(table: jump) AS
            SELECT p.segment_id AS segment_id, p.target AS anc,
                   CAST(CASE WHEN p.target = p.segment_id THEN 0 ELSE 1 END AS \(type: .integer)) AS hops,
                   CAST(CASE WHEN p.target = p.segment_id OR t.segment_id IS NULL OR t.target = t.segment_id
                             THEN 1 ELSE 0 END AS \(type: .integer)) AS done
            FROM \(table: pointer) p
            LEFT JOIN \(table: pointer) t ON t.segment_id = p.target
            """,
            work.index("jump", columns: ["segment_id"], unique: true),
            work.index("jump", columns: ["done", "segment_id"], suffix: "pending"),
        ]
        return statements.compactMap { $0 }
    }

    /// One pass of pointer jumping: every pending id's ancestor becomes its ancestor's
    /// ancestor. A pass with nothing pending changes nothing. Where there is no `UPDATE …
    /// FROM`, the pass rebuilds the table from the same join (every row kept, the pending
    /// ones moved on), which reads the table as it was before the pass, as the update does.
    func jumpPass() -> [SQL] {
        let jump = work.name("jump")
        guard work.dialect.hasUpdateFrom else {
            return work.dialect.replaceTable(jump, asQuery: """
                SELECT j.segment_id AS segment_id,
                       CASE WHEN n.segment_id IS NULL THEN j.anc ELSE n.anc END AS anc,
                       CASE WHEN n.segment_id IS NULL THEN j.hops ELSE j.hops + n.hops END AS hops,
                       CASE WHEN n.segment_id IS NULL THEN j.done ELSE n.done END AS done
                FROM \(table: jump) j
                LEFT JOIN \(table: jump) n ON j.done = 0 AND n.segment_id = j.anc
                """)
        }
        return ["""
            UPDATE \(table: jump) AS j SET anc = n.anc, hops = j.hops + n.hops, done = n.done
            FROM \(table: jump) AS n
            WHERE j.done = 0 AND n.segment_id = j.anc
            """]
    }

    /// The `walk`, `cycle` and `resolved` tables once the passes are done. `walkBound` is at
    /// least the number of ids still pending (no cycle is longer): a bound value in a run, a
    /// count in a plan.
    func cycleStatements(walkBound: SQL) -> [SQL] {
        let jump = work.name("jump"), walk = work.name("walk"), cycle = work.name("cycle"), resolved = work.name("resolved")
        let statements: [SQL?] = [
            // Ids still pending are on a cycle or lead into one, and after the last pass each
            // one's ancestor is on its cycle (it is 2^passes hops on, more than there are ids).
            // The walk goes once around the cycle from each such ancestor and stops back at it:
            // UNION ALL (the only recursion every engine has) with nothing to repeat. The depth
            // bound is a safety net only. The columns are named in the first part, and in a
            // list after the name only where the engine requires one (Redshift; BigQuery
            // refuses it).
            """
                CREATE TABLE \(table: walk) AS
                WITH RECURSIVE around\(sql: work.dialect.recursiveColumnList(["rep", "cur", "depth"])) AS (
                    SELECT r.rep AS rep, p.target AS cur, 1 AS depth
                    FROM (SELECT DISTINCT j.anc AS rep FROM \(table: jump) j WHERE j.done = 0) r
                    JOIN \(table: pointer) p ON p.segment_id = r.rep
                    UNION ALL
                    SELECT a.rep, p.target, a.depth + 1
                    FROM around a JOIN \(table: pointer) p ON p.segment_id = a.cur
                    WHERE a.cur <> a.rep AND a.depth <= \(sql: walkBound)
                )
                SELECT rep, cur FROM around
                """,
            work.index("walk", columns: ["rep", "cur"]),
            // A pending id is on the cycle when the walk from its ancestor passes it; its
            // canonical is the target of the cycle member with the greatest seq.
            """
                CREATE TABLE \(table: cycle) AS
                SELECT j.segment_id AS segment_id, c.canonical AS canonical,
                       CASE WHEN m.cur IS NULL THEN 'into_cycle' ELSE 'cycle' END AS kind
                FROM \(table: jump) j
                JOIN (
                    SELECT rep, canonical FROM (
                        SELECT w.rep AS rep, p.target AS canonical,
                               ROW_NUMBER() OVER (PARTITION BY w.rep ORDER BY \(sql: CycleRule.deciderFirst("p"))) AS rn
                        FROM \(table: walk) w
                        JOIN \(table: pointer) p ON p.segment_id = w.cur
                    ) ranked
                    WHERE rn = 1
                ) c ON c.rep = j.anc
                LEFT JOIN \(table: walk) m ON m.rep = j.anc AND m.cur = j.segment_id
                WHERE j.done = 0
                """,
            work.index("cycle", columns: ["segment_id"], unique: true),
            """
                CREATE TABLE \(table: resolved) AS
                SELECT j.segment_id AS segment_id,
                       COALESCE(c.canonical, j.anc) AS canonical,
                       CASE WHEN c.segment_id IS NULL THEN j.hops END AS hops,
                       CASE WHEN c.segment_id IS NOT NULL THEN c.kind
                            WHEN t.segment_id IS NULL THEN 'dangling'
                            WHEN j.hops = 0 THEN 'terminal'
                            WHEN j.hops = 1 THEN 'merged'
                            ELSE 'chain' END AS kind
                FROM \(table: jump) j
                LEFT JOIN \(table: cycle) c ON c.segment_id = j.segment_id
                LEFT JOIN \(table: pointer) t ON t.segment_id = j.anc
                """,
            work.index("resolved", columns: ["segment_id"], unique: true),
            work.index("resolved", columns: ["canonical"], suffix: "canonical"),
        ]
        return statements.compactMap { $0 }
    }
}
