-- id: merged_profile_traits
-- title: Merged-away profiles that still carry traits
-- summary: merged-away profiles with a non-NULL trait, in the raw history or the materialized profile_traits
-- judgment: fail if any
-- order: 3
-- param warn (threshold) = > 0 | warn when this many merged-away profiles carry traits
-- param fail (threshold) = > 0 | fail when this many merged-away profiles carry traits
--
-- Once a profile merges into another, its traits belong to the profile it merged into; a
-- merged-away profile that keeps or receives traits gets counted twice and can be targeted
-- on its own. Two ways to find one: in the raw history, a profile_traits_updates row with a
-- non-NULL trait that landed (by seq) after the profile's first merge away; in the
-- materialized profile_traits, a tombstone (merged_to set; the dbt package's empty string
-- reads as NULL) that kept a trait.

-- name: offenders
WITH current_pointer AS {{fn.materialized()}}(
    -- every segment_id's current pointer, by the rule the materialization uses
    SELECT p.segment_id AS segment_id, p.target AS target FROM (
{{fn.current_pointers()}}
    ) p
),
first_merge AS {{fn.materialized()}}(
    SELECT u.segment_id AS segment_id, MIN(u.seq) AS merged_seq
    FROM {{source.id_graph_updates}} u
    WHERE u.canonical_segment_id <> u.segment_id
    GROUP BY u.segment_id
),
merged_away AS {{fn.materialized()}}(
    SELECT p.segment_id AS segment_id, p.target AS merged_into, f.merged_seq AS merged_seq
    FROM current_pointer p
    JOIN first_merge f ON f.segment_id = p.segment_id
    WHERE p.target <> p.segment_id
)
SELECT t.segment_id AS segment_id,
       MIN(m.merged_into) AS merged_into,
       'raw_history' AS kind,
       COUNT(*) AS trait_rows_after_merge,
       MAX(t.seq) AS latest_seq
FROM {{source.profile_traits_updates}} t
JOIN merged_away m ON m.segment_id = t.segment_id
WHERE t.seq > m.merged_seq
  AND {{fn.any_raw_trait_not_null(t)}}
GROUP BY t.segment_id
ORDER BY trait_rows_after_merge DESC, latest_seq DESC, segment_id

-- name: materialized
SELECT pt.canonical_segment_id AS segment_id,
       NULLIF(pt.merged_to, '') AS merged_into,
       'materialized_tombstone' AS kind,
       CAST(NULL AS BIGINT) AS trait_rows_after_merge,
       CAST(NULL AS BIGINT) AS latest_seq
FROM {{target.profile_traits}} pt
WHERE NULLIF(pt.merged_to, '') IS NOT NULL
  AND {{fn.any_trait_not_null(pt)}}
ORDER BY segment_id

-- name: live_without_traits
-- Not an offence, but worth watching: live profiles whose traits are all NULL.
SELECT COUNT(*) AS profiles
FROM {{target.profile_traits}} pt
WHERE NULLIF(pt.merged_to, '') IS NULL
  AND {{fn.all_traits_null(pt)}}
