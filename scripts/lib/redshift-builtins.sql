-- Redshift's built-ins that idhealth's Redshift dialect calls and PostgreSQL lacks, so the
-- test server can run that dialect's SQL (scripts/test.sh). Each returns what Redshift's
-- documentation says the built-in returns.

-- FUNC_SHA1(text): the SHA-1 of the text as 40 lower-case hex digits.
CREATE OR REPLACE FUNCTION public.func_sha1(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT encode(public.digest(value, 'sha1'), 'hex') $$;

-- GETDATE(): the current time in UTC, as a timestamp without time zone.
CREATE OR REPLACE FUNCTION public.getdate() RETURNS timestamp
    LANGUAGE sql STABLE
    AS $$ SELECT CAST(now() AT TIME ZONE 'UTC' AS timestamp) $$;
