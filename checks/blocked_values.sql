-- id: blocked_values
-- title: Junk identifier values
-- summary: identifier values that should never identify a person, with the segment_ids and profiles each joins
-- judgment: fail if a value sits on fail_segment_ids (2) or more segment_ids, warn otherwise
-- order: 6
-- param extra_values (strings) = [test@test.com] | more exact values to treat as junk (compared case-insensitively)
-- param extra_patterns (patterns) = [] | more regular expressions to treat as junk
-- param fail_segment_ids (integer) = 2 | fail when one junk value sits on at least this many segment_ids
-- param warn (threshold) = > 0 | warn when this many junk values are present
--
-- Values that should never identify a person: Segment's suggested blocklist (`^[0-]*$`,
-- `-1`, `null`, `anonymous`) plus `undefined`, `none`, `nan`, empty or whitespace-only
-- values, and the `extra_values` / `extra_patterns` settings. One such value on many
-- segment_ids merges strangers into a super-profile. Exact values compare case-insensitively
-- after trimming spaces; patterns are regular expressions.

-- name: offenders
WITH blocked_values AS (
    {{param.values}}
),
blocked_patterns AS (
    {{param.patterns}}
),
-- A row matching two patterns appears twice here, which the distinct counts below ignore. (A
-- join, not `OR EXISTS`: Snowflake runs a correlated EXISTS only in a WHERE clause and not
-- under OR.)
found AS (
    SELECT x.external_id_type AS external_id_type, x.external_id_value AS external_id_value, x.segment_id AS segment_id
    FROM {{source.external_id_mapping_updates}} x
    LEFT JOIN blocked_patterns p ON {{fn.regexp(x.external_id_value, p.pattern)}}
    WHERE x.external_id_value IS NULL
       OR LOWER(TRIM(x.external_id_value)) IN (SELECT value FROM blocked_values)
       OR p.pattern IS NOT NULL
)
SELECT f.external_id_type AS external_id_type,
       f.external_id_value AS external_id_value,
       COUNT(DISTINCT f.segment_id) AS segment_ids,
       COUNT(DISTINCT COALESCE(g.canonical_segment_id, f.segment_id)) AS profiles,
       CASE WHEN COUNT(DISTINCT f.segment_id) >= {{param.fail_segment_ids}} THEN 'joins_segment_ids' ELSE 'single_segment_id' END AS kind
FROM found f
LEFT JOIN {{target.id_graph}} g ON g.segment_id = f.segment_id
GROUP BY f.external_id_type, f.external_id_value
ORDER BY segment_ids DESC, f.external_id_type, f.external_id_value
