-- id: graph_stats
-- title: Graph statistics
-- kind: statistics
--
-- Not a check: the numbers every report shows, so the trend from run to run reveals
-- over-merging (profiles shrinking, segment_ids per profile growing) and under-merging early.
-- Reads the materialized tables.

-- name: graph
WITH sizes AS (
    SELECT canonical_segment_id, COUNT(*) AS n
    FROM {{target.id_graph}}
    GROUP BY canonical_segment_id
),
ranked AS (
    SELECT n, ROW_NUMBER() OVER (ORDER BY n) AS r, COUNT(*) OVER () AS total
    FROM sizes
)
-- The p-th percentile is the size at rank floor((total - 1) * p / 100) + 1, compared without
-- a division: `/` divides integers exactly in Spark, Snowflake and BigQuery, and with the
-- remainder dropped in SQLite and PostgreSQL.
SELECT
    (SELECT COUNT(*) FROM {{target.id_graph}}) AS segment_ids,
    COUNT(*) AS profiles,
    (SELECT COUNT(*) FROM {{target.id_graph}} WHERE segment_id <> canonical_segment_id) AS merged_away,
    SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END) AS singletons,
    MAX(CASE WHEN (r - 1) * 100 <= (total - 1) * 50 AND (total - 1) * 50 < r * 100 THEN n END) AS p50,
    MAX(CASE WHEN (r - 1) * 100 <= (total - 1) * 90 AND (total - 1) * 90 < r * 100 THEN n END) AS p90,
    MAX(CASE WHEN (r - 1) * 100 <= (total - 1) * 99 AND (total - 1) * 99 < r * 100 THEN n END) AS p99,
    MAX(n) AS max
FROM ranked

-- name: external_ids
SELECT external_id_type, COUNT(*) AS external_ids
FROM {{target.external_id_mapping}}
GROUP BY external_id_type
ORDER BY external_id_type
