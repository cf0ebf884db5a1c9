-- id: duplicate_rows
-- title: Duplicate raw rows
-- summary: raw rows beyond the first of each key
-- judgment: warn if any
-- order: 8
-- param warn (threshold) = > 0 | warn when this many extra rows exist
-- param fail (threshold) = never | fail when this many extra rows exist
--
-- Rows beyond the first of each key in the raw tables: a loader that replayed a batch.
-- Materialization tolerates them (it keeps one row per key), but they inflate every count
-- computed on the raw tables. Keys: `id` for external_id_mapping_updates and
-- profile_traits_updates; segment_id, canonical_segment_id, seq and triggering_event_id for
-- id_graph_updates, which has no id. One query per table: a table without its key columns
-- is left out and named in the report.

-- name: id_graph_updates
SELECT 'id_graph_updates' AS raw_table,
       segment_id || ' > ' || canonical_segment_id || ' @ ' || {{fn.as_text(seq)}} || ' ' || COALESCE(triggering_event_id, '') AS row_key,
       COUNT(*) - 1 AS extra_rows
FROM {{source.id_graph_updates}}
GROUP BY segment_id, canonical_segment_id, seq, triggering_event_id
HAVING COUNT(*) > 1
ORDER BY extra_rows DESC, row_key

-- name: external_id_mapping_updates
SELECT 'external_id_mapping_updates' AS raw_table, id AS row_key, COUNT(*) - 1 AS extra_rows
FROM {{source.external_id_mapping_updates}}
GROUP BY id
HAVING COUNT(*) > 1
ORDER BY extra_rows DESC, row_key

-- name: profile_traits_updates
SELECT 'profile_traits_updates' AS raw_table, id AS row_key, COUNT(*) - 1 AS extra_rows
FROM {{source.profile_traits_updates}}
GROUP BY id
HAVING COUNT(*) > 1
ORDER BY extra_rows DESC, row_key
