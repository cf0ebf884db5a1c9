import IDHealthSQL

/// The trait columns an incremental run writes: those `profile_traits` already has, in their
/// order, then any that appeared in `profile_traits_updates` since (docs/semantics.md: new
/// ones are appended, none is ever dropped).
struct TraitColumns {
    /// Every trait column, existing ones first, each with its portable type.
    let all: [(name: String, type: SQLType)]
    /// Columns this run adds to `idhealth_state_traits` and `profile_traits`.
    let added: [(name: String, type: SQLType)]
    /// The trait columns the raw table has now, by name.
    let raw: [String: TraitColumn]

    /// Lines up the raw table's trait columns with the state table's. A column whose portable
    /// type changed is an ``InputError`` naming it: its old values cannot be kept beside new
    /// ones of another type, and silently converting them would be a wrong answer.
    static func reconcile(raw: [TraitColumn], state: [(name: String, type: String)], schemas: Schemas, dialect: Dialect) throws -> TraitColumns {
        let bookkeeping: Set<String> = ["segment_id", "seq", "uuid_ts"]
        let existing = state.filter { !bookkeeping.contains($0.name) }
        let existingByName = Dictionary(existing.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        var added: [(name: String, type: SQLType)] = []
        for column in raw {
            let type = dialect.portableType(ofDeclared: column.declaredType)
            guard let known = existingByName[column.name] else {
                added.append((column.name, type))
                continue
            }
            if dialect.portableType(ofDeclared: known) != type {
                throw InputError("column \(schemas.source).\(TableName.profileTraitsUpdates).\(column.name) changed type from \(known.isEmpty ? "(none)" : known) to \(column.declaredType.isEmpty ? "(none)" : column.declaredType) since the last materialization; \(schemas.target).\(TableName.profileTraits).\(column.name) holds values of the old type. Run `idhealth materialize --full-refresh` to rebuild it with the new type. Nothing was changed.")
            }
        }
        let all = existing.map { (name: $0.name, type: dialect.portableType(ofDeclared: $0.type)) } + added
        return TraitColumns(all: all, added: added, raw: Dictionary(raw.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
    }
}
