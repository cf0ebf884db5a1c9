import IDHealthSQL

/// `blocked_values`: see `checks/blocked_values.sql`.
struct BlockedValuesCheck: BuiltinCheck {
    static let id = "blocked_values"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let (values, patterns, failSegmentIDs) = settings(context.settings)
        let arguments = arguments(context.settings)
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

    /// The junk values and patterns (the built-in ones and the configured extras) and how
    /// many segment_ids one value may join before the check fails.
    func settings(_ settings: CheckSettings) -> (values: [String], patterns: [String], failSegmentIDs: Int) {
        let values = JunkValues.exact + settings.strings(.extraValues, of: definition)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let patterns = JunkValues.patterns + settings.strings(.extraPatterns, of: definition)
        return (values, patterns, max(settings.integer(.failSegmentIDs, of: definition), 1))
    }

    func arguments(_ settings: CheckSettings) -> [String: TemplateParameter] {
        let (values, patterns, failSegmentIDs) = self.settings(settings)
        return [
            "values": .rows(columns: [.init("value", .text)], rows: values.map { [.text($0)] }),
            "patterns": .rows(columns: [.init("pattern", .text)], rows: patterns.map { [.text($0)] }),
            "fail_segment_ids": .value(.integer(Int64(failSegmentIDs))),
        ]
    }

    /// A value that joins the fail number of segment_ids fails the check whatever the thresholds.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id, arguments: arguments(compiler.settings))
        let warn = compiler.settings.threshold(.warn, of: definition), fail = compiler.settings.threshold(.fail, of: definition)
        let verdict = CheckCompiler.Verdict(
            value: "f.n", warn: warn, fail: fail, failWhen: "v.joining > 0",
            thresholds: ["warn": warn.description, "fail": "a value on >= \(settings(compiler.settings).failSegmentIDs) segment_ids"],
            source: compiler.tally(offenders, [("joining", "o.kind = 'joins_segment_ids'")]), columns: [("joining", "f.joining")])
        return (verdict, [("offenders", offenders)])
    }
}
