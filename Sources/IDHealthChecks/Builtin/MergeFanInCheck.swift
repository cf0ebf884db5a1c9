import IDHealthSQL

/// `merge_fan_in`: super-profiles. See `checks/merge_fan_in.sql` for what it finds.
struct MergeFanInCheck: BuiltinCheck {
    static let id = "merge_fan_in"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let warn = context.settings.threshold(.warn, of: definition)
        let fail = context.settings.threshold(.fail, of: definition)
        result.thresholds = ["warn": "segment_ids per profile \(warn)", "fail": "segment_ids per profile \(fail)"]
        let parameters = parameters(context.settings)
        guard let (_, value, byKind) = try offenders(context, file, arguments: parameters.mapValues(TemplateParameter.value), breakdown: "kind", into: &result) else { return }
        let overFail = byKind["over_fail"] ?? 0

        let histogram = try context.render("histogram", of: file, id: definition.id, parameters: parameters)
        result.queries.append(context.record("histogram", histogram))
        let buckets = try context.database.rows(histogram.sql).map { row in
            DetailContent.Series.Point(.text(row["bucket"].stringValue ?? ""), row["profiles"].intValue ?? 0)
        }
        result.details.set("histogram", .series(.init(kind: .distribution, title: "Live profiles by segment_ids held", labelKey: "segment_ids", valueKey: "profiles",
                                                      xLabel: "segment_ids per profile", yLabel: "profiles", points: buckets)))
        if let graph = context.graph {
            let order = ["p50", "p90", "p99", "max"]
            result.details.set("distribution", .percentiles(.init(title: "Segment_ids per live profile", order.map { ($0, graph.segmentIDsPerProfile[$0] ?? 0) })))
        }

        // The likely causes need the raw mappings; without them the fan-in is still judged.
        let shared = try context.render("shared_external_ids", of: file, id: definition.id, parameters: parameters)
        let missing = try context.missingTables(shared)
        if missing.isEmpty {
            result.queries.append(context.record("shared_external_ids", shared))
            let masker = Masker(showValues: context.showValues)
            let causes = try context.database.rows(shared.sql, limit: 1_000).map { row -> [SQLValue] in
                [row["canonical_segment_id"], row["external_id_type"], .text(masker.mask(row["external_id_value"].stringValue ?? "")), row["segment_ids"]]
            }
            result.details.set("likely_causes", .rows(.init(
                title: "Likely causes: the external ids shared by most segment_ids of the largest profiles.",
                columns: [.init("canonical_segment_id", heading: "profile"), .init("external_id_type", heading: "external id type"),
                          .init("external_id_value", heading: "value", code: true), .init("segment_ids", heading: "segment_ids sharing it", numeric: true)],
                rows: causes)))
        } else {
            result.details.set("likely_causes_not_computed", .text("table \(missing.joined(separator: ", ")) not found"))
        }
        result.details.set("over_fail", .integer(overFail))
        result.value = value
        result.status = overFail > 0 ? .fail : (value > 0 ? .warn : .pass)
        if value > 0 {
            let largest = result.samples.first.flatMap { $0.count > 1 ? $0[1].intValue : nil } ?? 0
            result.message = "\(English.count(value, "live profile")) \(English.verb(value, one: "holds", many: "hold")) more than \(warn.countLimit) segment_ids (\(overFail) more than \(fail.countLimit)); the largest holds \(largest)"
        }
    }

    func parameters(_ settings: CheckSettings) -> [String: SQLValue] {
        [
            "warn": .integer(settings.threshold(.warn, of: definition).countLimit),
            "fail": .integer(settings.threshold(.fail, of: definition).countLimit),
            "top": .integer(Int64(settings.integer(.top, of: definition))),
        ]
    }

    /// The thresholds are per profile, inside the query: a profile over the fail limit fails
    /// the check, any offender warns.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id, arguments: parameters(compiler.settings).mapValues(TemplateParameter.value))
        let warn = compiler.settings.threshold(.warn, of: definition), fail = compiler.settings.threshold(.fail, of: definition)
        let verdict = CheckCompiler.Verdict(
            value: "f.n", warn: Threshold(.greater, 0), fail: .never, failWhen: "v.over_fail > 0",
            thresholds: ["warn": "segment_ids per profile \(warn)", "fail": "segment_ids per profile \(fail)"],
            source: compiler.tally(offenders, [("over_fail", "o.kind = 'over_fail'")]), columns: [("over_fail", "f.over_fail")])
        return (verdict, [("offenders", offenders)])
    }
}
