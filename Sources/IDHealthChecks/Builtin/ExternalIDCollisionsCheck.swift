import IDHealthSQL

/// `external_id_collisions`: see `checks/external_id_collisions.sql`.
struct ExternalIDCollisionsCheck: BuiltinCheck {
    static let id = "external_id_collisions"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let types = context.settings.strings(.uniqueIDTypes, of: definition)
        let arguments = arguments(context.settings)
        guard let (_, value, byType) = try offenders(context, file, arguments: arguments, breakdown: "external_id_type", into: &result) else { return }
        result.details.set("by_type", .counts(.init(label: "type", byType)))
        result.details.set("unique_id_types", .list(types))
        judge(value: value, base: Double(context.graph?.profiles ?? 0), context: context, into: &result)
        if value > 0 {
            let parts = byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            result.message = "\(English.count(value, "identifier value")) \(English.verb(value, one: "sits", many: "sit")) on two or more live profiles (\(parts))"
        }
    }

    func arguments(_ settings: CheckSettings) -> [String: TemplateParameter] {
        ["unique_id_types": .list(settings.strings(.uniqueIDTypes, of: definition).map(SQLValue.text))]
    }

    /// A percentage is of the live profiles.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id, arguments: arguments(compiler.settings))
        let verdict = CheckCompiler.Verdict(value: compiler.count(offenders), base: compiler.liveProfiles,
                                            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, [("offenders", offenders)])
    }
}
