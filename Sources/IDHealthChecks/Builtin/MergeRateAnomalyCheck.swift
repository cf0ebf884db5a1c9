import IDHealthSQL

/// `merge_rate_anomaly`: see `checks/merge_rate_anomaly.sql`.
struct MergeRateAnomalyCheck: BuiltinCheck {
    static let id = "merge_rate_anomaly"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let arguments = arguments(context.settings)
        guard let (_, value, _) = try offenders(context, file, arguments: arguments, into: &result) else { return }
        let perDay = try context.render("merges_per_day", of: file, id: definition.id, arguments: arguments)
        result.queries.append(context.record("merges_per_day", perDay))
        let days = try context.database.rows(perDay.sql, limit: 100_000).map { row in
            DetailContent.Series.Point(row["day"], row["merges"].intValue ?? 0)
        }
        result.details.set("merges_per_day", .series(.init(kind: .daily, title: "Merges per day", labelKey: "day", valueKey: "merges",
                                                           xLabel: "day", yLabel: "merges", points: days)))
        result.details.set("anomalous_days", .list(result.samples.compactMap { $0.first?.stringValue }))
        judge(value: value, base: 0, context: context, into: &result)
        if value > 0 {
            result.message = "\(English.count(value, "day")) merged far more profiles than the days before them"
        }
    }

    func arguments(_ settings: CheckSettings) -> [String: TemplateParameter] {
        [
            "window_days": .value(.integer(Int64(max(settings.integer(.windowDays, of: definition), 1)))),
            "factor": .value(.real(settings.number(.factor, of: definition))),
            "min_merges": .value(.integer(Int64(settings.integer(.minMerges, of: definition)))),
        ]
    }

    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id, arguments: arguments(compiler.settings))
        let verdict = CheckCompiler.Verdict(value: compiler.count(offenders),
                                            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, [("offenders", offenders)])
    }
}
