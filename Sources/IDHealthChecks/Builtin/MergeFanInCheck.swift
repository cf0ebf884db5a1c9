import IDHealthSQL
import IDHealthMaterialize

/// `merge_fan_in`: super-profiles. See `checks/merge_fan_in.sql` for what it finds.
struct MergeFanInCheck: BuiltinCheck {
    static let id = "merge_fan_in"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let warn = context.threshold("warn", of: definition)
        let fail = context.threshold("fail", of: definition)
        result.thresholds = ["warn": "segment_ids per profile \(warn)", "fail": "segment_ids per profile \(fail)"]
        let parameters: [String: SQLValue] = [
            "warn": .integer(warn.countLimit),
            "fail": .integer(fail.countLimit),
            "top": .integer(Int64(context.integer("top", of: definition))),
        ]
        guard let (_, value, byKind) = try offenders(context, file, arguments: parameters.mapValues(TemplateParameter.value), breakdown: "kind", into: &result) else { return }
        let overFail = byKind["over_fail"] ?? 0

        let histogram = try context.render("histogram", of: file, id: definition.id, parameters: parameters)
        result.queries.append(context.record("histogram", histogram))
        result.details["histogram"] = .array(try context.database.rows(histogram.sql).map { row in
            .object(["segment_ids": .string(row["bucket"].stringValue ?? ""), "profiles": .integer(row["profiles"].intValue ?? 0)])
        })

        let shared = try context.render("shared_external_ids", of: file, id: definition.id, parameters: parameters)
        result.queries.append(context.record("shared_external_ids", shared))
        let masker = Masker(showValues: context.showValues)
        result.details["likely_causes"] = .array(try context.database.rows(shared.sql, limit: 1_000).map { row in
            .object([
                "canonical_segment_id": JSONValue(row["canonical_segment_id"]),
                "external_id_type": JSONValue(row["external_id_type"]),
                "external_id_value": .string(masker.mask(row["external_id_value"].stringValue ?? "")),
                "segment_ids": JSONValue(row["segment_ids"]),
            ])
        })
        if let graph = context.graph {
            result.details["distribution"] = .object(graph.segmentIDsPerProfile.mapValues(JSONValue.integer))
        }
        result.details["over_fail"] = .integer(overFail)
        result.value = value
        result.status = overFail > 0 ? .fail : (value > 0 ? .warn : .pass)
        if value > 0 {
            let largest = result.samples.first.flatMap { $0.count > 1 ? $0[1].intValue : nil } ?? 0
            result.message = "\(value) live profiles hold more than \(warn.countLimit) segment_ids (\(overFail) more than \(fail.countLimit)); the largest holds \(largest)"
        }
    }
}
