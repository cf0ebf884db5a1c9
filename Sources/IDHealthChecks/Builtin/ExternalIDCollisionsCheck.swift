import IDHealthSQL
import IDHealthMaterialize

/// `external_id_collisions`: see `checks/external_id_collisions.sql`.
struct ExternalIDCollisionsCheck: BuiltinCheck {
    static let id = "external_id_collisions"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let types = context.strings("unique_id_types", of: definition)
        let arguments: [String: TemplateParameter] = ["unique_id_types": .list(types.map(SQLValue.text))]
        guard let (_, value, byType) = try offenders(context, file, arguments: arguments, breakdown: "external_id_type", into: &result) else { return }
        result.details.set("by_type", .counts(.init(label: "type", byType)))
        result.details.set("unique_id_types", .list(types))
        judge(value: value, base: Double(context.graph?.profiles ?? 0), context: context, into: &result)
        if value > 0 {
            let parts = byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            result.message = "\(English.count(value, "identifier value")) \(English.verb(value, one: "sits", many: "sit")) on two or more live profiles (\(parts))"
        }
    }
}
