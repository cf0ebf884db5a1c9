import IDHealthSQL
import IDHealthMaterialize

/// `blocked_values`: see `checks/blocked_values.sql`.
struct BlockedValuesCheck: BuiltinCheck {
    static let id = "blocked_values"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let values = JunkValues.exact + context.strings("extra_values", of: definition)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let patterns = JunkValues.patterns + context.strings("extra_patterns", of: definition)
        let failSegmentIDs = max(context.integer("fail_segment_ids", of: definition), 1)
        let arguments: [String: TemplateParameter] = [
            "values": .rows(columns: [.init("value", .text)], rows: values.map { [.text($0)] }),
            "patterns": .rows(columns: [.init("pattern", .text)], rows: patterns.map { [.text($0)] }),
            "fail_segment_ids": .value(.integer(Int64(failSegmentIDs))),
        ]
        // Every sampled value is junk by definition: shown as it is (docs/checks.md, "Privacy").
        guard let (_, value, byKind) = try offenders(context, file, arguments: arguments, breakdown: "kind", mask: false, into: &result) else { return }
        let joining = byKind["joins_segment_ids"] ?? 0
        result.details.set("joining_values", .integer(joining))
        result.details.set("values", .list(values))
        result.details.set("patterns", .list(patterns))
        judge(value: value, base: 0, context: context, into: &result)
        result.thresholds["fail"] = "a value on >= \(failSegmentIDs) segment_ids"
        if joining > 0 { result.status = .fail }
        if value > 0 {
            result.message = "\(English.count(value, "junk identifier value")) found; \(joining) \(English.verb(joining, one: "sits", many: "sit")) on \(failSegmentIDs) or more segment_ids"
        }
    }
}
