import Foundation
import IDHealthSQL

/// The checks as SQL a team runs from its own scheduler (`idhealth compile`): each built-in
/// check's queries rendered for a dialect with the configured parameters as quoted literals,
/// and one statement, its *verdict*, that computes the check's value and status exactly as
/// `idhealth check` judges them, with no connection to any database.
///
/// The verdict is built from the same check file and the same settings as the check's run
/// (each check's `compiled(_:)`, beside its `run`), so the two cannot drift apart unnoticed:
/// the compile tests run both on the same data and compare.
package struct CheckCompiler {
    package let settings: CheckSettings
    package let schemas: Schemas
    package let dialect: Dialect
    /// The raw tables' columns where compile read them from a database (nil: as Profiles
    /// Sync writes them), for the checks that read only the tables that have some columns.
    package let rawColumns: [String: [String]]?
    var renderer: QueryRenderer

    /// `traitColumns` are the trait columns of both the raw and the materialized traits (the
    /// compiled materialization gives `profile_traits` the raw table's).
    package init(schemas: Schemas, dialect: Dialect, settings: CheckSettings, traitColumns: [String], rawColumns: [String: [String]]? = nil) {
        self.settings = settings
        self.rawColumns = rawColumns
        self.schemas = schemas
        self.dialect = dialect
        var renderer = QueryRenderer(schemas: schemas, dialect: dialect)
        // Every warehouse computes SHA-1 natively; SQLite's is idhealth's registered function.
        renderer.capabilities.sha1 = .available(functionSchema: nil)
        renderer.capabilities.rawTraitColumns = traitColumns
        renderer.capabilities.materializedTraitColumns = traitColumns
        // The compiled materialization keeps no record of deleted segment_ids (idhealth's
        // bookkeeping, left out of the files).
        renderer.capabilities.hasDeletedSegments = false
        // A check of time (freshness) measures up to when the file runs, on the engine's clock.
        renderer.clock = .timestamp(.timestampText(.now))
        self.renderer = renderer
    }

    /// One check as compiled SQL.
    package struct Compiled: Sendable {
        package let id: String
        package let title: String
        /// One row: `check_id`, `value`, `status` (`pass`, `warn` or `fail`).
        package let verdict: SQL
        /// The check's queries by name, offenders first: the rows a report samples.
        package let queries: [(name: String, sql: SQL)]
        /// The thresholds, as the report words them.
        package let thresholds: [String: String]
    }

    /// What a check compiles to: its value, the base a percentage threshold is of, the
    /// thresholds, and conditions that decide the status besides them.
    struct Verdict {
        var value: SQL
        /// The count a percentage threshold is taken of; rendered only when one is.
        var base: SQL = "0"
        var warn: Threshold
        var fail: Threshold
        /// A condition that fails the check whatever its value (a junk value on many
        /// segment_ids, a profile over the fail limit).
        var failWhen: SQL?
        /// A condition that warns whatever the thresholds say.
        var warnWhen: SQL?
        var thresholds: [String: String]? = nil
        /// What the thresholds compare where it is not the value (freshness: the exact hours,
        /// where the value is whole hours).
        var judged: SQL? = nil
        /// A one-row derived table (alias `f`) that `value`, `judged` and `columns` read, so
        /// that a query they all need runs once.
        var source: SQL? = nil
        /// Further columns of the inner row, which `failWhen` and `warnWhen` read as `v.NAME`.
        var columns: [(name: String, sql: SQL)] = []
    }

    /// Every enabled built-in check that compiles, in report order, and those that do not,
    /// with the reason.
    package func compile() throws -> (checks: [Compiled], leftOut: [(id: String, reason: String)]) {
        var checks: [Compiled] = []
        var leftOut: [(String, String)] = []
        for file in BuiltinChecks.checks where settings.isEnabled(file.definition) {
            guard let logic = file.logic?.init() else {
                leftOut.append((file.name, "it has no compiled form"))
                continue
            }
            do {
                let (verdict, queries) = try logic.compiled(self)
                checks.append(Compiled(id: file.name, title: file.definition.title, verdict: statement(file.name, verdict),
                                       queries: queries.map { ($0.name, $0.query.sql) },
                                       thresholds: verdict.thresholds ?? ["warn": verdict.warn.description, "fail": verdict.fail.description]))
            } catch let unavailable as CheckUnavailable {
                leftOut.append((file.name, unavailable.reason))
            }
        }
        return (checks, leftOut)
    }

    /// Renders a named query of a built-in check file with `arguments`.
    func render(_ name: String, of id: String, arguments: [String: TemplateParameter] = [:]) throws -> CheckQuery {
        try renderer.render(name, of: BuiltinChecks.file(id).sql, arguments: arguments)
    }

    /// `SELECT COUNT(*)` of a query's rows, as a scalar subquery.
    func count(_ query: CheckQuery) -> SQL {
        "(SELECT COUNT(*) FROM (\(sql: query.sql)) o)"
    }

    /// A one-row ``Verdict/source`` over a query's rows, alias `o`: their count `n`, and for
    /// each named condition how many rows meet it, so that a verdict needing several counts
    /// of the same offenders computes them once.
    func tally(_ query: CheckQuery, _ conditions: [(name: String, condition: SQL)]) -> SQL {
        let counts = conditions.map { ", COALESCE(SUM(CASE WHEN \(sql: $0.condition) THEN 1 ELSE 0 END), 0) AS \(ident: $0.name)" as SQL }
        return "(SELECT COUNT(*) AS n\(sql: counts.joined(separator: "")) FROM (\(sql: query.sql)) o)"
    }

    /// The live profiles and the segment_ids of the materialized graph, the bases of the
    /// report's percentage thresholds (graph statistics).
    var liveProfiles: SQL { "(SELECT COUNT(DISTINCT g.canonical_segment_id) FROM \(table: schemas.target(TableName.idGraph)) g)" }
    var segmentIDs: SQL { "(SELECT COUNT(*) FROM \(table: schemas.target(TableName.idGraph)) g)" }

    /// The verdict statement: one row of the check's id, value and status.
    func statement(_ id: String, _ verdict: Verdict) -> SQL {
        let value: SQL = verdict.judged == nil ? "v.value" : "v.judged"
        // A threshold that is never crossed adds no condition, and a warn condition that is
        // the fail condition again adds no branch: a reader sees only what can decide.
        func crossed(_ threshold: Threshold) -> SQL? { threshold.isNever ? nil : threshold.isCrossedSQL(by: value, base: "v.base") }
        func condition(_ parts: [SQL?]) -> SQL? {
            let present = parts.compactMap { $0 }
            return present.isEmpty ? nil : present.map { "(\(sql: $0))" as SQL }.joined(separator: " OR ")
        }
        let fail = condition([verdict.failWhen, crossed(verdict.fail)])
        var warn = condition([verdict.warnWhen, crossed(verdict.warn)])
        if let fail, let both = warn, dialect.render(both).text == dialect.render(fail).text { warn = nil }
        let branches = [fail.map { "WHEN \(sql: $0) THEN 'fail'" as SQL }, warn.map { "WHEN \(sql: $0) THEN 'warn'" as SQL }].compactMap { $0 }
        let status: SQL = branches.isEmpty ? "'pass'" : "CASE \(sql: branches.joined(separator: " ")) ELSE 'pass' END"
        let usesBase = verdict.warn.isPercent || verdict.fail.isPercent
        let extra = (verdict.judged.map { [("judged", $0)] } ?? []) + verdict.columns
        let list = extra.map { ", \(sql: $0.1) AS \(ident: $0.0)" as SQL }.joined(separator: "")
        return """
            SELECT \(literal: .text(id)) AS check_id, v.value AS value,
                   \(sql: status) AS status
            FROM (SELECT \(sql: verdict.value) AS value, \(sql: usesBase ? verdict.base : "0") AS base\(sql: list)\(sql: verdict.source.map { " FROM \(sql: $0) f" } ?? "")) v
            """
    }
}
