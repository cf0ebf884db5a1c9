import IDHealthSQL

/// A full rebuild (`table` mode) as an ordered list of statements, for `idhealth compile`:
/// what a materialization runs, written down for a scheduler that runs SQL itself.
///
/// The staging statements are the run's own (``RebuildStatements``, ``GraphResolver``);
/// what differs is only what a run decides from answers the database gives while it runs:
///
/// * Pointer jumping repeats a fixed number of passes (``passes``: enough for a chain of
///   2^32 hops) instead of stopping when nothing is pending; a pass with nothing pending
///   changes nothing. The cycle walk's bound is a count, not a bound value.
/// * The current tables are dropped with `DROP TABLE IF EXISTS` (a run asks the catalog
///   whether each is a table or a view first), then the staged ones renamed in, in one
///   transaction. Their indexes keep the plan's fixed names, so the next run drops them
///   before it builds its own: while a compiled run builds, the current tables have none.
/// * `etl_ts` is the time the statement runs (``SQL/now``), not the run's clock.
/// * The `idhealth_runs` row records the raw tables' high-water marks, which the next
///   incremental run (compiled or not) starts from, but no counts.
/// * Left out, because they need answers while running: the materialization lock (the
///   scheduler must not start a second run of a target while one runs), the validation of
///   the raw tables (idhealth's `materialize` refuses bad input with a message; the plan
///   would fail on it or carry it through), and a table-mode run's record of deleted
///   segment_ids (an incremental plan records them, as a run does).
package struct MaterializationPlan {
    /// One step of the plan: a name for the file, what it does, its statements in order.
    package struct Step: Sendable {
        package let name: String
        package let purpose: String
        package let statements: [SQL]
    }

    /// Pointer jumping passes in a plan: each doubles the hops a pass covers.
    package static let passes = 32

    package let schemas: Schemas
    package let dialect: Dialect
    package let traitColumns: [TraitColumn]
    package let traitNulls: TraitNulls
    package let etlOverlapHours: Double

    package init(schemas: Schemas, dialect: Dialect, traitColumns: [TraitColumn], traitNulls: TraitNulls, etlOverlapHours: Double = 2) {
        self.etlOverlapHours = etlOverlapHours
        self.schemas = schemas
        self.dialect = dialect
        self.traitColumns = traitColumns
        self.traitNulls = traitNulls
    }

    /// A trait column named in a plan, with the catalog type that needs no conversion.
    package static func traitColumn(_ name: String, type: SQLType) -> TraitColumn {
        let declared: [SQLType: String] = [
            .text: "text", .integer: "bigint", .real: "double precision", .numeric: "numeric",
            .boolean: "boolean", .timestamp: "timestamp with time zone", .date: "date", .untyped: "text",
        ]
        return TraitColumn(name: name, declaredType: declared[type] ?? "text")
    }

    /// An incremental run as a plan (``IncrementalUpdate/plannedStatements(traits:)``): it
    /// continues from the latest successful run in `idhealth_runs` (a compiled table-mode run
    /// writes one), with the state tables' trait columns being ``traitColumns``. Where DDL is
    /// transactional the update is one transaction, as a run's; elsewhere its writes land
    /// one by one, and a run that fails part way must be followed by a table-mode run.
    package func incrementalMode() throws -> [Step] {
        let work = WorkTables(dialect: dialect, schema: schemas.target, token: "plan")
        let update = IncrementalUpdate(planFor: schemas, dialect: dialect, traitNulls: traitNulls, etlOverlapHours: etlOverlapHours, work: work)
        let statements = try update.plannedStatements(traits: traitColumns)
        let body: [SQL] = dialect.hasTransactionalDDL ? [dialect.beginWriteTransaction] + dialect.settingsForSmallUpdates + statements + ["COMMIT"] : statements
        return [
            Step(name: "prepare", purpose: "drops the work tables an interrupted run may have left",
                 statements: work.dropStatements(includingStage: false)),
            Step(name: "update", purpose: dialect.hasTransactionalDDL
                    ? "reads the raw rows landed since the last run (minus etl_overlap) and rewrites exactly the rows they touch, recording the run in idhealth_runs, in one transaction"
                    : "reads the raw rows landed since the last run (minus etl_overlap) and rewrites exactly the rows they touch, then records the run in idhealth_runs (each statement on its own: not atomic)",
                 statements: body),
            Step(name: "cleanup", purpose: "drops the work tables", statements: work.dropStatements(includingStage: false)),
        ]
    }

    package func tableMode() -> [Step] {
        let work = WorkTables(dialect: dialect, schema: schemas.target, token: "plan")
        let steps = RebuildStatements(schemas: schemas, work: work, traitColumns: traitColumns, traitNulls: traitNulls, etl: .now)
        let resolver = steps.resolver
        // One transaction where DDL is transactional; on Snowflake each table's swap is atomic
        // on its own, so for a moment a reader can see some tables new and some old.
        let replacements = WorkTables.stagedTables.flatMap { dialect.replaceTable(schemas.target($0), with: work.stageName($0)) }
        let record = RunLog.plannedRecord(schema: schemas.target, mode: .table, traitNulls: traitNulls, work: work, dialect: dialect)
        let swap: [SQL] = dialect.hasTransactionalDDL ? [dialect.beginWriteTransaction] + replacements + record + ["COMMIT"] : replacements + record
        return [
            Step(name: "prepare", purpose: "creates the target schema if needed, drops what an interrupted run may have left, and the indexes the last run put on the current tables (their names are this run's)",
                 statements: [dialect.createSchemaIfMissing(schemas.target)].compactMap { $0 } + work.dropStatements(includingStage: true)
                    + RebuildStatements.stageIndexes.compactMap { dialect.dropIndex(work.stageIndexName($0.table, suffix: $0.suffix), schema: schemas.target) }),
            Step(name: "resolve", purpose: "records the raw tables' high-water marks, ranks every segment_id's current pointer and resolves it to its canonical profile by pointer jumping (\(Self.passes) passes), then breaks cycles",
                 statements: Materializer.highWaterStatements(schemas: schemas, etlOverlapHours: etlOverlapHours, work: work) + steps.pointerTable() + resolver.plannedStatements()),
            Step(name: TableName.idGraph, purpose: "stages id_graph", statements: steps.graphTable()),
            Step(name: TableName.externalIDMapping, purpose: "stages external_id_mapping", statements: steps.mappingTable()),
            Step(name: TableName.profileTraits, purpose: "stages each segment_id's latest trait snapshot and profile_traits", statements: steps.traitsTables()),
            Step(name: "swap", purpose: dialect.hasTransactionalDDL ? "replaces the current tables with the staged ones and records the run in idhealth_runs, in one transaction" : "swaps each staged table with the current one (each swap atomic on its own), then records the run in idhealth_runs", statements: swap),
            Step(name: "cleanup", purpose: "gathers the new tables' statistics and drops the work tables",
                 statements: WorkTables.stagedTables.compactMap { dialect.analyzeNewTable(schemas.target($0)) } + work.dropStatements(includingStage: false)),
        ]
    }
}
