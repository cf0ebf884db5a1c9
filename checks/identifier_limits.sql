-- id: identifier_limits
-- title: Profiles over their identifier limits
-- summary: (live profile, identifier type) pairs holding more distinct values than the type's limit
-- judgment: warn if any
-- order: 5
-- param limits (limits) = {user_id: 1} | distinct values allowed per profile, by identifier type
-- param default_limit (integer) = 5 | the limit of every type not listed in limits
-- param warn (threshold) = > 0 | warn when this many (profile, type) pairs are over their limit
-- param fail (threshold) = never | fail when this many (profile, type) pairs are over their limit
--
-- Segment's identity resolution caps how many distinct values of each identifier type one
-- profile may hold (by default user_id 1, every other type 5). A live profile above its
-- limit was usually merged through a shared or junk value, or its limits were raised.
-- Counts distinct values per (live profile, type) from the raw mappings, resolved through
-- the materialized id_graph.

-- name: offenders
WITH limits AS (
    {{param.limits}}
),
held AS (
    SELECT COALESCE(g.canonical_segment_id, x.segment_id) AS canonical_segment_id,
           x.external_id_type AS external_id_type,
           COUNT(DISTINCT x.external_id_value) AS distinct_values
    FROM {{source.external_id_mapping_updates}} x
    LEFT JOIN {{target.id_graph}} g ON g.segment_id = x.segment_id
    GROUP BY COALESCE(g.canonical_segment_id, x.segment_id), x.external_id_type
)
SELECT h.canonical_segment_id AS canonical_segment_id,
       h.external_id_type AS external_id_type,
       h.distinct_values AS distinct_values,
       COALESCE(l.max_values, {{param.default_limit}}) AS identifier_limit
FROM held h
LEFT JOIN limits l ON l.external_id_type = h.external_id_type
WHERE h.distinct_values > COALESCE(l.max_values, {{param.default_limit}})
ORDER BY h.distinct_values - COALESCE(l.max_values, {{param.default_limit}}) DESC,
         h.canonical_segment_id, h.external_id_type
