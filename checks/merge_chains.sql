-- id: merge_chains
-- title: Broken merge chains
-- summary: segment_ids whose current pointer does not land on a terminal profile in one hop
-- judgment: fail if any (the CI gate)
-- order: 1
-- param warn (threshold) = > 0 | warn when this many segment_ids are affected (a fail threshold below it wins)
-- param fail (threshold) = > 0 | fail when this many segment_ids are affected; "> 0" makes it the CI gate
--
-- A segment_id's current pointer (its id_graph_updates row with the greatest seq, ties:
-- greatest uuid_ts, then greatest canonical_segment_id; the fn.current_pointers function is
-- the very rule materialization uses) should land on a terminal profile (one that points at
-- itself) in one hop: Segment writes recursive entries so that it does. Offenders need two or more hops
-- (`non_terminal`: a recursive entry is late or missing), sit on a cycle (`cycle`) or lead
-- into one (`into_cycle`), or point at an id that has no id_graph_updates row of its own
-- (`dangling`). A chain that ends at a profile Segment deleted (GDPR; idhealth records those
-- in idhealth_deleted_segments when it materializes) is listed as `deleted_target` and not
-- counted: it is what a deletion leaves, not a broken graph. In the materialized tables it
-- also finds `merged_to` pointing at a missing or merged-away profile, and canonicals that
-- do not map to themselves.

-- name: offenders
WITH RECURSIVE current_pointer AS {{fn.materialized()}}(
    -- every segment_id's current pointer, by the rule the materialization uses
    SELECT p.segment_id AS segment_id, p.target AS target FROM (
{{fn.current_pointers()}}
    ) p
),
broken AS (
    SELECT p.segment_id AS segment_id, p.target AS target,
           CASE WHEN t.segment_id IS NULL THEN 1 ELSE 0 END AS target_missing
    FROM current_pointer p
    LEFT JOIN current_pointer t ON t.segment_id = p.target
    WHERE p.target <> p.segment_id
      AND (t.segment_id IS NULL OR t.target <> t.segment_id)
),
-- The walk from each broken segment_id along current pointers, one row a step. It stops at
-- a terminal profile, at an id without a pointer (dangling), and back at its start (a
-- cycle); a walk that leads into a cycle goes round it until it has taken more steps than
-- there are broken ids, more than any path that ends. (UNION ALL: a recursive query that
-- drops repeated rows is not on every engine.)
bound AS (
    SELECT COUNT(*) + 1 AS steps FROM broken
),
walk(start_id, cur, depth) AS (
    SELECT segment_id, target, 1 FROM broken
    UNION ALL
    SELECT w.start_id, p.target, w.depth + 1
    FROM walk w
    JOIN current_pointer p ON p.segment_id = w.cur
    JOIN bound b ON w.depth < b.steps
    WHERE p.target <> p.segment_id AND w.cur <> w.start_id
),
-- The broken ids whose walk comes back to them: they sit on a cycle.
cycle_member AS (
    SELECT DISTINCT w.start_id AS segment_id FROM walk w WHERE w.cur = w.start_id
),
-- What each walk met, in one pass (flags and counts, no correlated subquery: Snowflake
-- runs a correlated EXISTS only in a WHERE clause).
walk_summary AS (
    SELECT w.start_id AS start_id,
           MAX(CASE WHEN w.cur = w.start_id THEN 1 ELSE 0 END) AS on_cycle,
           MAX(CASE WHEN c.segment_id IS NOT NULL THEN 1 ELSE 0 END) AS reaches_cycle,
           MAX(CASE WHEN d.segment_id IS NOT NULL THEN 1 ELSE 0 END) AS reaches_deleted,
           COUNT(DISTINCT w.cur) AS hops
    FROM walk w
    LEFT JOIN cycle_member c ON c.segment_id = w.cur
    LEFT JOIN {{fn.deleted_segments()}} d ON d.segment_id = w.cur
    GROUP BY w.start_id
),
classified AS (
    SELECT b.segment_id AS segment_id,
           b.target AS points_to,
           CASE WHEN s.on_cycle = 1 THEN 'cycle'
                WHEN s.reaches_cycle = 1 THEN 'into_cycle'
                WHEN s.reaches_deleted = 1 THEN 'deleted_target'
                WHEN b.target_missing = 1 THEN 'dangling'
                ELSE 'non_terminal' END AS kind,
           COALESCE(s.hops, 0) AS hops
    FROM broken b
    LEFT JOIN walk_summary s ON s.start_id = b.segment_id
)
SELECT segment_id, points_to, kind,
       CASE WHEN kind IN ('cycle', 'into_cycle') THEN NULL ELSE hops END AS hops
FROM classified
ORDER BY CASE kind WHEN 'cycle' THEN 0 WHEN 'into_cycle' THEN 1 WHEN 'dangling' THEN 2 WHEN 'non_terminal' THEN 3 ELSE 4 END,
         hops DESC, segment_id

-- name: pointer_summary
-- How many segment_ids are terminal, and how many land on a terminal in one hop.
WITH current_pointer AS {{fn.materialized()}}(
    -- every segment_id's current pointer, by the rule the materialization uses
    SELECT p.segment_id AS segment_id, p.target AS target FROM (
{{fn.current_pointers()}}
    ) p
)
SELECT COUNT(*) AS segment_ids,
       SUM(CASE WHEN p.target = p.segment_id THEN 1 ELSE 0 END) AS terminal,
       SUM(CASE WHEN p.target <> p.segment_id AND t.target = t.segment_id THEN 1 ELSE 0 END) AS one_hop
FROM current_pointer p
LEFT JOIN current_pointer t ON t.segment_id = p.target

-- name: materialized
-- The same promise checked on the materialized tables (idhealth's own or the dbt package's,
-- whose empty-string merged_to reads as NULL).
SELECT pt.canonical_segment_id AS segment_id,
       NULLIF(pt.merged_to, '') AS points_to,
       CASE WHEN m.canonical_segment_id IS NULL THEN 'merged_to_missing' ELSE 'merged_to_merged_away' END AS kind,
       CAST(NULL AS BIGINT) AS hops
FROM {{target.profile_traits}} pt
LEFT JOIN {{target.profile_traits}} m ON m.canonical_segment_id = NULLIF(pt.merged_to, '')
WHERE NULLIF(pt.merged_to, '') IS NOT NULL
  AND (m.canonical_segment_id IS NULL OR NULLIF(m.merged_to, '') IS NOT NULL)
UNION ALL
SELECT c.segment_id, c.canonical_segment_id, 'canonical_not_self', CAST(NULL AS BIGINT)
FROM (SELECT DISTINCT canonical_segment_id FROM {{target.id_graph}}) k
JOIN {{target.id_graph}} c ON c.segment_id = k.canonical_segment_id
WHERE c.canonical_segment_id <> c.segment_id
ORDER BY 3, 1
