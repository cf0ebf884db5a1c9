import IDHealthSQL

/// `identifier_limits`: see `checks/identifier_limits.sql`.
struct IdentifierLimitsCheck: BuiltinCheck {
    static let id = "identifier_limits"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let limits = context.settings.limits(.limits, of: definition)
        let defaultLimit = context.settings.integer(.defaultLimit, of: definition)
        let arguments = arguments(context.settings)
        guard let (_, value, byType) = try offenders(context, file, arguments: arguments, breakdown: "external_id_type", into: &result) else { return }
        result.details.set("by_type", .counts(.init(label: "type", byType)))
        var resolved = limits.mapValues { Int64($0) }
        resolved["*"] = Int64(defaultLimit)
        result.details.set("limits", .settings(resolved))
        judge(value: value, base: Double(context.graph?.profiles ?? 0), context: context, into: &result)
        if value > 0 {
            let parts = byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            result.message = "\(English.count(value, "(profile, identifier type) pair")) \(English.verb(value, one: "is", many: "are")) over their limit (\(parts))"
        }
    }

    func arguments(_ settings: CheckSettings) -> [String: TemplateParameter] {
        [
            "limits": .rows(columns: [.init("external_id_type", .text), .init("max_values", .integer)],
                            rows: settings.limits(.limits, of: definition).sorted { $0.key < $1.key }.map { [.text($0.key), .integer(Int64($0.value))] }),
            "default_limit": .value(.integer(Int64(settings.integer(.defaultLimit, of: definition)))),
        ]
    }

    /// A percentage is of the live profiles.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id, arguments: arguments(compiler.settings))
        let verdict = CheckCompiler.Verdict(value: compiler.count(offenders), base: compiler.liveProfiles,
                                            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, [("offenders", offenders)])
    }
}
