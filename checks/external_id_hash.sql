-- id: external_id_hash
-- title: External id hashes that do not match
-- summary: rows whose external_id_hash is not sha1(external_id_type || external_id_value)
-- judgment: fail if any
-- order: 7
-- param warn (threshold) = > 0 | warn when this many rows have a wrong hash
-- param fail (threshold) = > 0 | fail when this many rows have a wrong hash
--
-- Segment's external_id_hash is the lower-case hex SHA-1 of external_id_type ||
-- external_id_value; external_id_mapping is keyed by it. A mismatch means the row was
-- written or transformed by something else, and joins on the hash will miss it. SQLite
-- computes SHA-1 with a function idhealth registers; PostgreSQL needs the pgcrypto extension.

-- name: offenders
SELECT x.segment_id AS segment_id,
       x.external_id_type AS external_id_type,
       x.external_id_value AS external_id_value,
       x.external_id_hash AS stored_hash,
       {{fn.sha1_hex(COALESCE(x.external_id_type, '') || COALESCE(x.external_id_value, ''))}} AS expected_hash,
       x.seq AS seq
FROM {{source.external_id_mapping_updates}} x
WHERE x.external_id_hash IS NULL
   OR x.external_id_hash <> {{fn.sha1_hex(COALESCE(x.external_id_type, '') || COALESCE(x.external_id_value, ''))}}
ORDER BY x.seq DESC, x.segment_id, x.external_id_type
