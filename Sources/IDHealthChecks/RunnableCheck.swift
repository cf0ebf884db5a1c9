import IDHealthSQL

/// A check the runner can run: a built-in one, or a custom SQL file.
protocol RunnableCheck: Sendable {
    var definition: CheckDefinition { get }
    func run(_ context: CheckContext, into result: inout CheckResult) throws
    /// Whether a user wrote the query (a custom check): it may end in its own `LIMIT`, so
    /// samples are read by stopping after enough rows instead of appending one.
    var queryIsUsers: Bool { get }
    /// Whether the check reads every current pointer (`{{fn.current_pointers()}}`), so the
    /// runner computes them once for all the checks that do (``SharedPointers``).
    func readsCurrentPointers(_ context: CheckContext) -> Bool
}

extension RunnableCheck {
    var queryIsUsers: Bool { false }

    /// Judges `value` by the check's `warn` and `fail` thresholds (a percentage is of `base`).
    func judge(value: Int64, base: Double, context: CheckContext, into result: inout CheckResult) {
        let warn = context.settings.threshold(.warn, of: definition)
        let fail = context.settings.threshold(.fail, of: definition)
        result.thresholds = ["warn": warn.description, "fail": fail.description]
        result.status = Self.status(value: value, base: base, warn: warn, fail: fail)
    }

    static func status(value: Int64, base: Double, warn: Threshold, fail: Threshold) -> CheckStatus {
        status(measured: Double(value), base: base, warn: warn, fail: fail)
    }

    /// Judges a measurement that is not a count (hours) exactly as measured, never rounded
    /// first: 95.6 hours crosses `> 95`.
    static func status(measured: Double, base: Double, warn: Threshold, fail: Threshold) -> CheckStatus {
        if fail.isCrossed(by: measured, base: base) { return .fail }
        if warn.isCrossed(by: measured, base: base) { return .warn }
        return .pass
    }

    /// Marks the check `skipped`, naming the tables a query reads that do not exist; true
    /// when it did.
    func skipIfTablesMissing(_ query: CheckQuery, _ context: CheckContext, into result: inout CheckResult) throws -> Bool {
        let missing = try context.missingTables(query)
        guard !missing.isEmpty else { return false }
        let materialized = missing.contains { reference in
            TableName.materializedTables.contains { reference == "\(context.schemas.target).\($0)" }
        }
        result.skip(.missingInput, "table \(missing.joined(separator: ", ")) not found\(materialized ? ": run `idhealth materialize` first" : "")")
        return true
    }

    /// Runs a check file's `offenders` query the usual way: skipped when a table it reads is
    /// missing; the value counted (or summed over `sum`) in the database, broken down by the
    /// `breakdown` column; up to `sample_size` rows sampled. Returns nil when skipped.
    ///
    /// `whileKept` runs while the offenders are still kept, with a query of all of them (the
    /// kept table, or the query itself where none could be made), for a further count that
    /// needs them without computing them again.
    func offenders(_ context: CheckContext, _ file: CheckSQL, arguments: [String: TemplateParameter] = [:],
                   breakdown: String? = nil, sum: String? = nil, mask: Bool = true,
                   into result: inout CheckResult,
                   whileKept: (CheckQuery) throws -> Void = { _ in }) throws -> (query: CheckQuery, value: Int64, byKind: [String: Int64])? {
        let query = try context.render("offenders", of: file, id: definition.id, arguments: arguments)
        if try skipIfTablesMissing(query, context, into: &result) { return nil }
        result.queries.append(context.record("offenders", query))
        var value: Int64 = 0
        var byKind: [String: Int64] = [:]
        func countAndSample(_ kept: CheckContext.KeptOffenders?) throws -> (columns: [String], rows: [[SQLValue]]) {
            for row in try context.groupedCounts(kept?.rows ?? query, by: breakdown.map { [$0] } ?? [], sum: sum) {
                let count = row["n"].intValue ?? 0
                value += count
                if let breakdown { byKind[row[breakdown].stringValue ?? "(null)", default: 0] += count }
            }
            let sampled = try context.samples(kept?.ordered ?? query, limit: context.settings.sampleSize, mask: mask, limitInSQL: !queryIsUsers)
            try whileKept(kept?.rows ?? query)
            return sampled
        }
        // The offenders are computed once and kept for counting and sampling; a user's query
        // may repeat a column name, which a table cannot, so it is read twice instead.
        let (columns, rows) = queryIsUsers ? try countAndSample(nil) : try context.keepingOffenders(query, countAndSample)
        result.sampleColumns = columns
        result.samples = rows
        result.value = value
        return (query, value, byKind)
    }
}
