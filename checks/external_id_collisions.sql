-- id: external_id_collisions
-- title: External ids on two or more live profiles
-- summary: values of unique identifier types whose segment_ids resolve to 2+ live profiles
-- judgment: warn if any
-- order: 4
-- param unique_id_types (strings) = [user_id, email] | identifier types that must name one person
-- param warn (threshold) = > 0 | warn when this many values sit on 2+ live profiles
-- param fail (threshold) = never | fail when this many values sit on 2+ live profiles
--
-- An identifier that should name one person (by default user_id and email: the
-- `unique_id_types` setting) but whose segment_ids resolve to two or more live profiles:
-- one email, two customers. Reads the raw mappings (every segment_id a value was seen on)
-- and resolves each segment_id through the materialized id_graph; a segment_id unknown to
-- the graph is its own profile.

-- name: offenders
WITH seen AS (
    SELECT DISTINCT x.external_id_type AS external_id_type,
           x.external_id_value AS external_id_value,
           x.segment_id AS segment_id,
           COALESCE(g.canonical_segment_id, x.segment_id) AS canonical_segment_id
    FROM {{source.external_id_mapping_updates}} x
    LEFT JOIN {{target.id_graph}} g ON g.segment_id = x.segment_id
    WHERE x.external_id_type IN ({{param.unique_id_types}})
)
SELECT external_id_type,
       external_id_value,
       COUNT(DISTINCT canonical_segment_id) AS profiles,
       COUNT(DISTINCT segment_id) AS segment_ids,
       MIN(canonical_segment_id) AS first_profile,
       MAX(canonical_segment_id) AS last_profile
FROM seen
GROUP BY external_id_type, external_id_value
HAVING COUNT(DISTINCT canonical_segment_id) > 1
ORDER BY profiles DESC, segment_ids DESC, external_id_type, external_id_value
