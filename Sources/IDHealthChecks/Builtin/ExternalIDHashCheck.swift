import IDHealthSQL

/// `external_id_hash`: see `checks/external_id_hash.sql`.
struct ExternalIDHashCheck: BuiltinCheck {
    static let id = "external_id_hash"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        guard let (_, value, _) = try offenders(context, file, into: &result) else { return }
        judge(value: value, base: 0, context: context, into: &result)
        if value > 0 {
            result.message = "\(English.count(value, "external_id_mapping_updates row")) \(English.verb(value, one: "has", many: "have")) an external_id_hash other than sha1(type || value)"
        }
    }

    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id)
        let verdict = CheckCompiler.Verdict(value: compiler.count(offenders),
                                            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, [("offenders", offenders)])
    }
}
