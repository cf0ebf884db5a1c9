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

    /// An index a staged table gets; it goes with the table into place.
    struct StageIndex {
        let table: String
        let columns: [String]
        let unique: Bool
        let suffix: String
    }

    /// Every staged table's indexes, the one list both the builders below and a plan read: a
    /// plan's names do not change from run to run, so it drops these first.
    static let stageIndexes: [StageIndex] = [
        StageIndex(table: TableName.statePointer, columns: ["segment_id"], unique: true, suffix: "key"),
        StageIndex(table: TableName.idGraph, columns: ["segment_id"], unique: true, suffix: "key"),
        StageIndex(table: TableName.idGraph, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"),
        StageIndex(table: TableName.externalIDMapping, columns: ["external_id_hash"], unique: true, suffix: "key"),
        StageIndex(table: TableName.externalIDMapping, columns: ["canonical_segment_id"], unique: false, suffix: "canonical"),
        StageIndex(table: TableName.stateTraits, columns: ["segment_id"], unique: true, suffix: "key"),
        StageIndex(table: TableName.profileTraits, columns: ["canonical_segment_id"], unique: true, suffix: "key"),
    ]

    /// The statements that index a staged table (none where the engine has no indexes).
    func indexes(of table: String) -> [SQL] {
        Self.stageIndexes.filter { $0.table == table }.compactMap { work.stageIndex($0.table, columns: $0.columns, unique: $0.unique, suffix: $0.suffix) }
    }

    /// Every segment_id's current pointer, the input of the resolution.
    func pointerTable() -> [SQL] {
        ["CREATE TABLE \(table: pointer) AS\n\(sql: rows.currentPointers())"] + indexes(of: TableName.statePointer)
    }

    /// `id_graph`, from the pointers and the resolution.
    func graphTable() -> [SQL] {
        ["CREATE TABLE \(table: graph) AS\n\(sql: GraphResolver.graphRows(pointer: pointer, resolved: work.name("resolved"), etl: etl))"]
            + indexes(of: TableName.idGraph)
    }

    /// `external_id_mapping`: each external id's latest row, on its resolved profile.
    func mappingTable() -> [SQL] {
        ["CREATE TABLE \(table: work.stageName(TableName.externalIDMapping)) AS\n\(sql: rows.latestMappings(graph: graph, etl: etl))"]
            + indexes(of: TableName.externalIDMapping)
    }

    /// Each segment_id's latest trait snapshot, then `profile_traits`.
    func traitsTables() -> [SQL] {
        let builder = ProfileTraitsBuilder(work: work, traitNulls: traitNulls, graph: graph, snapshots: snapshots, traits: traitColumns.map(\.name))
        return ["CREATE TABLE \(table: snapshots) AS\n\(sql: rows.latestSnapshots(traitColumns, dialect: dialect))"]
            + indexes(of: TableName.stateTraits)
            + builder.statements(into: work.stageName(TableName.profileTraits), keys: nil, etl: etl)
            + indexes(of: TableName.profileTraits)
    }
}
