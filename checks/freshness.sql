-- id: freshness
-- title: Freshness of the raw tables
-- summary: hours since each raw table last landed, and the spread between them against etl_overlap
-- judgment: warn above 24 hours, or when the tables landed further apart than etl_overlap
-- order: 9
-- param warn (threshold) = > 24 | warn when the stalest raw table last landed more than this many hours ago
-- param fail (threshold) = never | fail when the stalest raw table last landed more than this many hours ago
--
-- Hours since each raw table last landed a row (greatest uuid_ts), and the spread between
-- the tables. Profiles Sync lands all three together; a table that lags the others by more
-- than etl_overlap hours can make an incremental run miss rows.

-- name: offenders
SELECT raw_table, last_landed, hours_since
FROM (
    SELECT 'id_graph_updates' AS raw_table,
           {{fn.timestamp_text(MAX(uuid_ts))}} AS last_landed,
           {{fn.hours_before_now(MAX(uuid_ts))}} AS hours_since
    FROM {{source.id_graph_updates}}
    UNION ALL
    SELECT 'external_id_mapping_updates',
           {{fn.timestamp_text(MAX(uuid_ts))}},
           {{fn.hours_before_now(MAX(uuid_ts))}}
    FROM {{source.external_id_mapping_updates}}
    UNION ALL
    SELECT 'profile_traits_updates',
           {{fn.timestamp_text(MAX(uuid_ts))}},
           {{fn.hours_before_now(MAX(uuid_ts))}}
    FROM {{source.profile_traits_updates}}
) landed
ORDER BY hours_since DESC, raw_table
