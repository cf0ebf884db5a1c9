-- id: merge_rate_anomaly
-- title: Days with unusually many merges
-- summary: days whose merge count is far above the trailing baseline
-- judgment: warn if any
-- order: 11
-- param window_days (integer) = 14 | days before each day that make its baseline (their mean)
-- param factor (number) = 3 | a day is anomalous above this many times its baseline
-- param min_merges (integer) = 50 | and with at least this many merges
-- param warn (threshold) = > 0 | warn when this many days are anomalous
-- param fail (threshold) = never | fail when this many days are anomalous
--
-- Merges per day (id_graph_updates rows that point a segment_id elsewhere, by event
-- timestamp, UTC) against the mean of the `window_days` days before. A day above `factor`
-- times that baseline, with at least `min_merges` merges, is flagged: a junk identifier or a
-- bad deploy merging people in bulk shows up here first. Days without a full window of
-- history before them are not judged.

-- name: offenders
WITH daily AS (
    SELECT {{fn.day(u.{{ident.timestamp}})}} AS day, COUNT(*) AS merges
    FROM {{source.id_graph_updates}} u
    WHERE u.canonical_segment_id <> u.segment_id
    GROUP BY {{fn.day(u.{{ident.timestamp}})}}
),
first_day AS (
    SELECT MIN(day) AS day FROM daily
),
scored AS (
    SELECT d.day AS day, d.merges AS merges,
           COALESCE(SUM(p.merges), 0) * 1.0 / {{param.window_days}} AS baseline
    FROM daily d
    CROSS JOIN first_day f
    LEFT JOIN daily p ON p.day < d.day AND p.day >= {{fn.days_before(d.day, {{param.window_days}})}}
    WHERE {{fn.days_before(d.day, {{param.window_days}})}} >= f.day
    GROUP BY d.day, d.merges
)
SELECT day, merges, ROUND(baseline, 1) AS baseline
FROM scored
WHERE merges >= {{param.min_merges}}
  AND merges > {{param.factor}} * baseline
ORDER BY merges DESC, day

-- name: merges_per_day
SELECT {{fn.day(u.{{ident.timestamp}})}} AS day, COUNT(*) AS merges
FROM {{source.id_graph_updates}} u
WHERE u.canonical_segment_id <> u.segment_id
GROUP BY {{fn.day(u.{{ident.timestamp}})}}
ORDER BY 1
