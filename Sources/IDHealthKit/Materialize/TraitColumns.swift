/// The trait columns an incremental run writes: those `profile_traits` already has, in their
/// order, then any that appeared in `profile_traits_updates` since (DESIGN.md §3: new ones
/// are appended, none is ever dropped).
struct TraitColumns {
    /// Every trait column, existing ones first.
    let all: [RawTables.TraitColumn]
    /// Columns this run adds to `idhealth_state_traits` and `profile_traits`.
    let added: [RawTables.TraitColumn]
    /// The trait columns the raw table has now.
    let rawNames: Set<String>

    /// Lines up the raw table's trait columns with the state table's. A column whose type
    /// changed is an ``InputError`` naming it: its old values cannot be kept beside new ones
    /// of another type, and silently converting them would be a wrong answer.
    static func reconcile(raw: [RawTables.TraitColumn], state: [(name: String, type: String)], schemas: Schemas, dialect: Dialect) throws -> TraitColumns {
        let bookkeeping: Set<String> = ["segment_id", "seq", "uuid_ts"]
        let existing = state.filter { !bookkeeping.contains($0.name) }.map { RawTables.TraitColumn(name: $0.name, type: $0.type) }
        let existingByName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var added: [RawTables.TraitColumn] = []
        for column in raw {
            guard let known = existingByName[column.name] else {
                added.append(column)
                continue
            }
            if dialect.typeFamily(known.type) != dialect.typeFamily(column.type) {
                throw InputError("column \(schemas.source).\(TableName.profileTraitsUpdates).\(column.name) changed type from \(known.type.isEmpty ? "(none)" : known.type) to \(column.type.isEmpty ? "(none)" : column.type) since the last materialization; \(schemas.target).\(TableName.profileTraits).\(column.name) holds values of the old type. Run `idhealth materialize --full-refresh` to rebuild it with the new type. Nothing was changed.")
            }
        }
        return TraitColumns(all: existing + added, added: added, rawNames: Set(raw.map(\.name)))
    }
}
