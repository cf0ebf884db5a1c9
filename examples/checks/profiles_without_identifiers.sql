-- id: profiles_without_identifiers
-- title: Live profiles without any external id
-- severity: warn
-- fail: > 1%
-- Every profile Segment creates comes from an event with at least an anonymous_id, so a live
-- profile that no external id maps to means its mappings were deleted (a GDPR deletion
-- that reached one table and not the other) or a sync loaded one table but not the other.
SELECT g.canonical_segment_id AS canonical_segment_id,
       COUNT(*) AS segment_ids
FROM {{target.id_graph}} g
WHERE NOT EXISTS (
    SELECT 1 FROM {{target.external_id_mapping}} m
    WHERE m.canonical_segment_id = g.canonical_segment_id
)
GROUP BY g.canonical_segment_id
ORDER BY segment_ids DESC, canonical_segment_id
