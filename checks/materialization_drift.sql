-- id: materialization_drift
-- title: Materialized tables that drifted from the raw history
-- summary: keys whose rows differ between the materialized tables and a fresh full rebuild
-- order: 10
-- param warn (threshold) = > 0 | warn when this many keys differ
-- param fail (threshold) = > 0 | fail when this many keys differ
--
-- Rebuilds the three tables from the raw history into `idhealth_drift_*` tables (as
-- `idhealth materialize --mode table` would), then lists the keys whose rows differ between
-- the materialized tables and the rebuild, in either direction. Tables built by the dbt
-- package read their empty-string merged_to as NULL. Needs write access to the target
-- schema for the rebuild; the rebuild is dropped afterwards.

-- name: offenders
SELECT 'id_graph' AS table_name, k AS row_key FROM (
    SELECT k FROM (
        SELECT segment_id AS k, canonical_segment_id AS v FROM {{target.id_graph}}
        EXCEPT
        SELECT segment_id, canonical_segment_id FROM {{target.idhealth_drift_id_graph}}
    ) current_only
    UNION
    SELECT k FROM (
        SELECT segment_id AS k, canonical_segment_id AS v FROM {{target.idhealth_drift_id_graph}}
        EXCEPT
        SELECT segment_id, canonical_segment_id FROM {{target.id_graph}}
    ) rebuilt_only
) id_graph_keys
UNION ALL
SELECT 'external_id_mapping', k FROM (
    SELECT k FROM (
        SELECT external_id_hash AS k, canonical_segment_id AS v, external_id_type AS t, external_id_value AS x FROM {{target.external_id_mapping}}
        EXCEPT
        SELECT external_id_hash, canonical_segment_id, external_id_type, external_id_value FROM {{target.idhealth_drift_external_id_mapping}}
    ) current_only
    UNION
    SELECT k FROM (
        SELECT external_id_hash AS k, canonical_segment_id AS v, external_id_type AS t, external_id_value AS x FROM {{target.idhealth_drift_external_id_mapping}}
        EXCEPT
        SELECT external_id_hash, canonical_segment_id, external_id_type, external_id_value FROM {{target.external_id_mapping}}
    ) rebuilt_only
) mapping_keys
UNION ALL
SELECT 'profile_traits', k FROM (
    SELECT k FROM (
        SELECT pt.canonical_segment_id AS k, NULLIF(pt.merged_to, '') AS m{{fn.trait_columns_as_text(pt)}} FROM {{target.profile_traits}} pt
        EXCEPT
        SELECT pt.canonical_segment_id, NULLIF(pt.merged_to, ''){{fn.trait_columns_as_text(pt)}} FROM {{target.idhealth_drift_profile_traits}} pt
    ) current_only
    UNION
    SELECT k FROM (
        SELECT pt.canonical_segment_id AS k, NULLIF(pt.merged_to, '') AS m{{fn.trait_columns_as_text(pt)}} FROM {{target.idhealth_drift_profile_traits}} pt
        EXCEPT
        SELECT pt.canonical_segment_id, NULLIF(pt.merged_to, ''){{fn.trait_columns_as_text(pt)}} FROM {{target.profile_traits}} pt
    ) rebuilt_only
) trait_keys
ORDER BY 1, 2
