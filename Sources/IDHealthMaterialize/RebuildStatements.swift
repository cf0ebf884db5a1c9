import IDHealthSQL

/// The statements of a full rebuild's staging, step by step, written once: a materialization
/// runs them (``Materializer``), and a plan written to files (``MaterializationPlan``) lists
/// the very same ones.
package struct RebuildStatements {
    let schemas: Schemas
    let work: WorkTables
    let traitColumns: [TraitColumn]
    let traitNulls: TraitNulls
    /// The value of every row's `etl_ts`: the run's clock, or ``SQL/now`` in a plan.
    let etl: SQL

    var dialect: Dialect { work.dialect }
    var rows: LatestRows { LatestRows(schemas: schemas) }
    var pointer: QualifiedName { work.stageName(TableName.statePointer) }
    var graph: QualifiedName { work.stageName(TableName.idGraph) }
    var snapshots: QualifiedName { work.stageName(TableName.stateTraits) }
    var resolver: GraphResolver { GraphResolver(work: work, pointer: pointer) }

    /// The indexes the staged tables get, by table and name suffix: they go with the tables
    /// into place, so a plan, whose names do not change from run to run, drops them first.
    static let stageIndexes: [(table: String, suffix: String)] = [
        (TableName.statePointer, "key"), (TableName.idGraph, "key"), (TableName.idGraph, "canonical"),
        (TableName.externalIDMapping, "key"), (TableName.externalIDMapping, "canonical"),
        (TableName.stateTraits, "key"), (TableName.profileTraits, "key"),
    ]

    /// Every segment_id's current pointer, the input of the resolution.
    func pointerTable() -> [SQL] {
        [
            "CREATE TABLE \(table: pointer) AS\n\(sql: rows.currentPointers())",
            work.stageIndex(TableName.statePointer, columns: ["segment_id"], unique: true),
        ].compactMap { $0 }
    }

    /// `id_graph`, from the pointers and the resolution.
    func graphTable() -> [SQL] {
        [
            "CREATE TABLE \(table: graph) AS\n\(sql: GraphResolver.graphRows(pointer: pointer, resolved: work.name("resolved"), etl: etl))",
            work.stageIndex(TableName.idGraph, columns: ["segment_id"], unique: true),
            work.stageIndex(TableName.idGraph, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"),
        ].compactMap { $0 }
    }

    /// `external_id_mapping`: each external id's latest row, on its resolved profile.
    func mappingTable() -> [SQL] {
        [
            "CREATE TABLE \(table: work.stageName(TableName.externalIDMapping)) AS\n\(sql: rows.latestMappings(graph: graph, etl: etl))",
            work.stageIndex(TableName.externalIDMapping, columns: ["external_id_hash"], unique: true),
            work.stageIndex(TableName.externalIDMapping, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"),
        ].compactMap { $0 }
    }

    /// Each segment_id's latest trait snapshot, then `profile_traits`.
    func traitsTables() -> [SQL] {
        let builder = ProfileTraitsBuilder(work: work, traitNulls: traitNulls, graph: graph, snapshots: snapshots, traits: traitColumns.map(\.name))
        return [
            "CREATE TABLE \(table: snapshots) AS\n\(sql: rows.latestSnapshots(traitColumns, dialect: dialect))",
            work.stageIndex(TableName.stateTraits, columns: ["segment_id"], unique: true),
        ].compactMap { $0 }
            + builder.statements(into: work.stageName(TableName.profileTraits), keys: nil, etl: etl)
            + [work.stageIndex(TableName.profileTraits, columns: ["canonical_segment_id"], unique: true)].compactMap { $0 }
    }
}
