import IDHealthSQL
import IDHealthMaterialize

/// `materialization_drift`: rebuilds a random sample of keys exactly (or, with `sample: all`,
/// the three tables) and compares them with the stored rows; see
/// `checks/materialization_drift.sql`.
///
/// The rebuild goes to the connection's temporary schema: private to this check run (two runs
/// at once never meet each other's tables), never logged, and gone with the connection even
/// when the process is killed. Only a refusal to create those tables (no TEMP privilege, a
/// read-only database) makes the check `skipped`; any other failure is an `error`.
struct MaterializationDriftCheck: BuiltinCheck {
    static let id = "materialization_drift"

    /// How the rebuilt tables are named in the temporary schema (`{{rebuilt.id_graph}}`).
    static let rebuiltPrefix = "idhealth_drift_"

    /// How the stored rows of a sample's keys are named in the temporary schema.
    static let storedPrefix = "idhealth_driftstored_"

    /// The sample to compare, from `sample` and `sample_profiles`; nil for `sample: all`.
    func sampleSize(_ context: CheckContext) -> SampledRebuild.Size? {
        guard case .integer(let segmentIDs) = context.settings.parameter(.sample, of: definition) else { return nil }
        return SampledRebuild.Size(segmentIDs: segmentIDs, profiles: context.settings.integer(.sampleProfiles, of: definition))
    }

    /// A sample reads the run's current pointers; a full rebuild, or no comparison, does not.
    func readsCurrentPointers(_ context: CheckContext) -> Bool {
        context.rebuiltByRun == nil && sampleSize(context) != nil
    }

    /// Differing keys for each of the three tables, 0 where none differ.
    static func everyTable(_ counts: [String: Int64]) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: TableName.materializedTables.map { ($0, counts[$0] ?? 0) })
    }

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let d = context.database.dialect
        let missing = try TableName.materializedTables.filter { try !context.database.tableExists(context.schemas.target($0)) }
        guard missing.isEmpty else {
            result.skip(.missingInput, "table \(missing.map { "\(context.schemas.target).\($0)" }.joined(separator: ", ")) not found: run `idhealth materialize` first")
            return
        }
        // A rebuild reads all three raw tables: without one there is nothing to compare with.
        let missingRaw = try TableName.rawTables.filter { try !context.database.tableExists(QualifiedName(context.schemas.source, $0)) }
        guard missingRaw.isEmpty else {
            result.skip(.missingInput, "table \(missingRaw.map { "\(context.schemas.source).\($0)" }.joined(separator: ", ")) not found")
            return
        }
        if let run = context.rebuiltByRun {
            // Comparing a rebuild with the rebuild just made would only cost a second one.
            result.value = 0
            judge(value: 0, base: 0, context: context, into: &result)
            result.details.set("by_table", .counts(.init(label: "table", Self.everyTable([:]))))
            result.details.set("compared", .text("nothing: materialization \(run) rebuilt every table from the raw history in this run, so they equal a rebuild by construction"))
            result.message = "not compared: this run rebuilt the tables from the raw history just before the checks (zero drift by construction)"
            return
        }
        var work = WorkTables(database: context.database, schema: d.temporarySchema, token: Materializer.token())
        work.workPrefix = "idhealth_driftwork_"
        work.stagePrefix = Self.rebuiltPrefix
        let materializer = Materializer(database: context.database, schemas: context.schemas, traitNulls: context.settings.traitNulls)
        // A sample rebuilds from the run's current pointers; `sample: all` rebuilds everything.
        var sampler: (SampledRebuild, SampledRebuild.Size)?
        if let size = sampleSize(context) {
            guard let pointers = context.sharedPointers else {
                result.skip(.unsupported, "the sample needs temporary tables, which this database refused")
                return
            }
            sampler = (SampledRebuild(materializer: materializer, work: work, pointers: pointers.table, storedPrefix: Self.storedPrefix), size)
        }
        // Dropping the sample's tables drops the work tables with them.
        let dropAll = { try sampler?.0.dropAll() ?? work.dropAll(includingStage: true) }
        defer { try? dropAll() }
        var drawn: SampledRebuild.Drawn?
        do {
            try dropAll()
            if let (rebuild, size) = sampler {
                drawn = try rebuild.build(size)
            } else {
                _ = try materializer.build(work: work)
            }
        } catch let error as DatabaseError where error.isPermissionDenied {
            result.skip(.unsupported, "the rebuild needs to create temporary tables: \(error.message)")
            return
        }
        let current = context.renderer.capabilities.materializedTraitColumns
        let rebuilt = try context.database.columns(work.stageName(TableName.profileTraits))
            .filter { TableName.isTraitColumn($0, in: d) }
        var comparing = context
        comparing.renderer.rebuilt = (schema: d.temporarySchema, prefix: Self.rebuiltPrefix)
        if drawn != nil { comparing.renderer.storedSample = (schema: d.temporarySchema, prefix: Self.storedPrefix) }
        comparing.renderer.capabilities.materializedTraitColumns = rebuilt.filter(current.contains)
        guard let (_, value, byTable) = try offenders(comparing, file, breakdown: "table_name", into: &result) else { return }
        let tables = Self.everyTable(byTable)
        result.details.set("by_table", .counts(.init(label: "table", tables)))
        if let drawn {
            result.details.set("compared", .text("a random sample, each key rebuilt exactly from the raw history: \(English.count(drawn.segmentIDs, "segment_id")) of id_graph; \(English.count(drawn.profiles, "profile")) of profile_traits, with their \(English.count(drawn.externalIDs, "external id")) of external_id_mapping (`sample: all` compares every key)"))
            result.details.set("sampled", .counts(.init(label: "table", [
                TableName.idGraph: drawn.segmentIDs, TableName.profileTraits: drawn.profiles, TableName.externalIDMapping: drawn.externalIDs,
            ])))
        } else {
            result.details.set("compared", .text("every key of \(TableName.materializedTables.joined(separator: ", ")) against a full rebuild from the raw history"))
        }
        let absent = rebuilt.filter { !current.contains($0) }
        result.details.set("trait_columns_missing", .list(absent))
        judge(value: value, base: 0, context: context, into: &result)
        var findings: [String] = []
        if value > 0 {
            let parts = tables.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key)" }.joined(separator: ", ")
            let of = drawn.map { " of the \(English.count($0.segmentIDs + $0.profiles + $0.externalIDs, "sampled key"))" } ?? ""
            findings.append("\(English.count(value, "key"))\(of) \(English.verb(value, one: "differs", many: "differ")) from a fresh rebuild (\(parts))")
        }
        if !absent.isEmpty {
            findings.append("profile_traits lacks trait columns \(absent.map(d.quote).joined(separator: ", "))")
            if result.status == .pass { result.status = .warn }
        }
        if !findings.isEmpty { result.message = findings.joined(separator: "; ") }
    }

    /// Right after the compiled files, every table was rebuilt from the raw history: the
    /// drift is zero by construction, which is what `idhealth run` reports too.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        throw CheckUnavailable(reason: "the compiled files rebuild every table from the raw history, so right after them the tables equal a rebuild by construction (idhealth run reports the same); after incremental runs, idhealth check compares them")
    }
}
