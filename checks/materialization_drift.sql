-- id: materialization_drift
-- title: Materialized tables that drifted from the raw history
-- summary: keys whose rows differ between the materialized tables and a fresh full rebuild
-- judgment: fail if any
-- order: 10
-- param warn (threshold) = > 0 | warn when this many keys differ
-- param fail (threshold) = > 0 | fail when this many keys differ
-- param sample (sample) = 10000 | segment_ids whose id_graph row is compared with one resolved from the raw history; `all` rebuilds every table and compares every key
-- param sample_profiles (integer) = 1000 | profiles whose profile_traits row and external ids are compared, when sampling
--
-- By default it compares a random sample: `sample` segment_ids and `sample_profiles`
-- profiles, drawn from the stored tables and the raw history together, each rebuilt exactly
-- from the raw history (the profile's members, its traits, its external ids; see
-- docs/semantics.md, "Drift"). With `sample: all` it rebuilds the three tables from the raw
-- history (as `idhealth materialize --mode table` would). Either way the rebuilt rows go to
-- the connection's temporary schema, `{{rebuilt.TABLE}}`, private to this run and gone with
-- it, and the query below lists the keys whose rows differ between the materialized tables
-- (for a sample: the stored rows of the sampled keys) and the rebuild, in either direction.
-- Inside an `idhealth run` whose materialization rebuilt every table, it compares nothing:
-- the tables equal a rebuild by construction. Tables built by the dbt package read their
-- empty-string merged_to as NULL. Its own column names start
-- with _idh_, which no trait column can (docs/semantics.md).

-- name: offenders
SELECT 'id_graph' AS table_name, _idh_key AS row_key FROM (
    SELECT _idh_key FROM (
        SELECT segment_id AS _idh_key, canonical_segment_id AS _idh_canonical FROM {{target.id_graph}}
        {{set.except}}
        SELECT segment_id, canonical_segment_id FROM {{rebuilt.id_graph}}
    ) current_only
    {{set.union}}
    SELECT _idh_key FROM (
        SELECT segment_id AS _idh_key, canonical_segment_id AS _idh_canonical FROM {{rebuilt.id_graph}}
        {{set.except}}
        SELECT segment_id, canonical_segment_id FROM {{target.id_graph}}
    ) rebuilt_only
) id_graph_keys
UNION ALL
SELECT 'external_id_mapping', _idh_key FROM (
    SELECT _idh_key FROM (
        SELECT external_id_hash AS _idh_key, canonical_segment_id AS _idh_canonical, external_id_type AS _idh_type, external_id_value AS _idh_value FROM {{target.external_id_mapping}}
        {{set.except}}
        SELECT external_id_hash, canonical_segment_id, external_id_type, external_id_value FROM {{rebuilt.external_id_mapping}}
    ) current_only
    {{set.union}}
    SELECT _idh_key FROM (
        SELECT external_id_hash AS _idh_key, canonical_segment_id AS _idh_canonical, external_id_type AS _idh_type, external_id_value AS _idh_value FROM {{rebuilt.external_id_mapping}}
        {{set.except}}
        SELECT external_id_hash, canonical_segment_id, external_id_type, external_id_value FROM {{target.external_id_mapping}}
    ) rebuilt_only
) mapping_keys
UNION ALL
SELECT 'profile_traits', _idh_key FROM (
    SELECT _idh_key FROM (
        SELECT pt.canonical_segment_id AS _idh_key, NULLIF(pt.merged_to, '') AS _idh_merged_to{{fn.trait_columns_as_text(pt)}} FROM {{target.profile_traits}} pt
        {{set.except}}
        SELECT pt.canonical_segment_id, NULLIF(pt.merged_to, ''){{fn.trait_columns_as_text(pt)}} FROM {{rebuilt.profile_traits}} pt
    ) current_only
    {{set.union}}
    SELECT _idh_key FROM (
        SELECT pt.canonical_segment_id AS _idh_key, NULLIF(pt.merged_to, '') AS _idh_merged_to{{fn.trait_columns_as_text(pt)}} FROM {{rebuilt.profile_traits}} pt
        {{set.except}}
        SELECT pt.canonical_segment_id, NULLIF(pt.merged_to, ''){{fn.trait_columns_as_text(pt)}} FROM {{target.profile_traits}} pt
    ) rebuilt_only
) trait_keys
ORDER BY 1, 2
