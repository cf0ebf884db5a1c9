import IDHealthSQL

/// `freshness`: see `checks/freshness.sql`. Its value is the hours since the stalest raw
/// table last landed, not a count.
struct FreshnessCheck: BuiltinCheck {
    static let id = "freshness"

    /// Hours as reports show them: to one decimal.
    static func tenths(_ hours: Double) -> Double { (hours * 10).rounded() / 10 }

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let query = try context.render("offenders", of: file, id: definition.id)
        if try skipIfTablesMissing(query, context, into: &result) { return }
        let withoutLanding = try TableName.rawTables.filter { table in
            try !context.database.columns(context.schemas.source(table)).contains { context.database.dialect.columnName($0, is: "uuid_ts") }
        }
        guard withoutLanding.isEmpty else {
            result.skip(.missingInput, "\(withoutLanding.map { "\(context.schemas.source).\($0)" }.joined(separator: ", ")) \(withoutLanding.count == 1 ? "has" : "have") no uuid_ts column: the time each row landed is what freshness measures")
            return
        }
        result.queries.append(context.record("offenders", query))
        let rows = try context.database.rows(query.sql)
        result.sampleColumns = ["raw_table", "last_landed", "hours_since"]
        result.samples = rows.map { row in
            [row["raw_table"], row["last_landed"], row["hours_since"].doubleValue.map { .real(Self.tenths($0)) } ?? .null]
        }
        var hours: [String: Double?] = [:]
        for row in rows {
            hours[row["raw_table"].stringValue ?? "?"] = .some(row["hours_since"].doubleValue.map(Self.tenths))
        }
        let known = rows.compactMap { $0["hours_since"].doubleValue }
        let empty = rows.filter { $0["hours_since"].isNull }.compactMap { $0["raw_table"].stringValue }
        let stalest = known.max() ?? 0
        let spread = (known.max() ?? 0) - (known.min() ?? 0)
        let overlap = context.settings.etlOverlapHours
        // The JSON value stays a whole number (the report contract types it as an integer);
        // the status is judged on the exact hours and reports show one decimal.
        result.value = Int64(stalest.rounded(.down))
        result.measuredValue = String(format: "%.1f h", stalest)
        result.details.set("hours_since_last_landed", .measurements(.init(label: "raw table", heading: "hours since it last landed", hours)))
        result.details.set("stalest_hours", .number(Self.tenths(stalest)))
        result.details.set("spread_hours", .number(Self.tenths(spread)))
        result.details.set("etl_overlap_hours", .number(overlap))
        result.details.set("as_of", .text(context.nowText))

        let warn = context.settings.threshold(.warn, of: definition)
        let fail = context.settings.threshold(.fail, of: definition)
        result.thresholds = ["warn": "hours \(warn) or spread > etl_overlap (\(overlap)h)", "fail": "hours \(fail)"]
        result.status = Self.status(measured: stalest, base: 0, warn: warn, fail: fail)
        var findings: [String] = []
        if !empty.isEmpty { findings.append("\(empty.joined(separator: ", ")) never landed a row") }
        if spread > overlap { findings.append(String(format: "the raw tables landed %.1f hours apart, more than etl_overlap (%.1f)", spread, overlap)) }
        if result.status == .pass, !findings.isEmpty { result.status = .warn }
        if result.status != .pass {
            findings.insert(String(format: "the stalest raw table last landed %.1f hours ago", stalest), at: 0)
            result.message = findings.joined(separator: "; ")
        }
    }

    /// The value is the whole hours since the stalest raw table landed, measured on the
    /// engine's clock when the file runs; the thresholds judge the exact hours, and a spread
    /// over etl_overlap or a table that never landed warns, as the run does.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id)
        let warn = compiler.settings.threshold(.warn, of: definition), fail = compiler.settings.threshold(.fail, of: definition)
        let overlap = compiler.settings.etlOverlapHours
        let verdict = CheckCompiler.Verdict(
            value: "COALESCE(\(sql: .cast("FLOOR(f.stalest)", as: .integer)), 0)", warn: warn, fail: fail,
            warnWhen: "v.spread > \(literal: .real(overlap)) OR v.never_landed > 0",
            thresholds: ["warn": "hours \(warn) or spread > etl_overlap (\(overlap)h)", "fail": "hours \(fail)"],
            judged: "COALESCE(f.stalest, 0)",
            source: "(SELECT MAX(o.hours_since) AS stalest, MAX(o.hours_since) - MIN(o.hours_since) AS spread, COUNT(*) - COUNT(o.hours_since) AS never_landed FROM (\(sql: offenders.sql)) o)",
            columns: [("spread", "f.spread"), ("never_landed", "f.never_landed")])
        return (verdict, [("offenders", offenders)])
    }
}

import Foundation
