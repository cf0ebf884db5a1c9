-- id: trait_email_mismatch
-- title: Trait email not among the profile's email ids
-- severity: warn
-- A live profile's `email` trait should be one of the emails identity resolution put on the
-- profile. One that is not usually comes from a form or a CRM sync that wrote another
-- person's address onto this profile. Needs an `email` trait column.
SELECT pt.canonical_segment_id AS canonical_segment_id,
       pt.email AS email
FROM {{target.profile_traits}} pt
WHERE NULLIF(pt.merged_to, '') IS NULL
  AND pt.email IS NOT NULL
  AND NOT EXISTS (
      SELECT 1
      FROM {{target.external_id_mapping}} m
      WHERE m.canonical_segment_id = pt.canonical_segment_id
        AND m.external_id_type = 'email'
        AND m.external_id_value = pt.email
  )
ORDER BY pt.canonical_segment_id
