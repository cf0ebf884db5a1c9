import IDHealthSQL
import IDHealthMaterialize

/// `materialization_drift`: rebuilds the three tables and compares them with the current
/// ones; see `checks/materialization_drift.sql`.
///
/// The rebuild goes to the connection's temporary schema: private to this check run (two runs
/// at once never meet each other's tables), never logged, and gone with the connection even
/// when the process is killed. Only a refusal to create those tables (no TEMP privilege, a
/// read-only database) makes the check `skipped`; any other failure is an `error`.
struct MaterializationDriftCheck: BuiltinCheck {
    static let id = "materialization_drift"

    /// How the rebuilt tables are named in the temporary schema (`{{rebuilt.id_graph}}`).
    static let rebuiltPrefix = "idhealth_drift_"

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
        defer { try? work.dropAll(includingStage: true) }
        do {
            try work.dropAll(includingStage: true)
            _ = try Materializer(database: context.database, schemas: context.schemas, traitNulls: context.settings.traitNulls).build(work: work)
        } catch let error as DatabaseError where error.isPermissionDenied {
            result.skip(.unsupported, "the rebuild needs to create temporary tables: \(error.message)")
            return
        }
        let current = context.renderer.capabilities.materializedTraitColumns
        let rebuilt = try context.database.columns(work.stageName(TableName.profileTraits))
            .filter(TableName.isTraitColumn)
        var comparing = context
        comparing.renderer.rebuilt = (schema: d.temporarySchema, prefix: Self.rebuiltPrefix)
        comparing.renderer.capabilities.materializedTraitColumns = rebuilt.filter(current.contains)
        guard let (_, value, byTable) = try offenders(comparing, file, breakdown: "table_name", into: &result) else { return }
        let tables = Self.everyTable(byTable)
        result.details.set("by_table", .counts(.init(label: "table", tables)))
        result.details.set("compared", .text("every key of \(TableName.materializedTables.joined(separator: ", ")) against a full rebuild from the raw history"))
        let absent = rebuilt.filter { !current.contains($0) }
        result.details.set("trait_columns_missing", .list(absent))
        judge(value: value, base: 0, context: context, into: &result)
        var findings: [String] = []
        if value > 0 {
            let parts = tables.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key)" }.joined(separator: ", ")
            findings.append("\(English.count(value, "key")) \(English.verb(value, one: "differs", many: "differ")) from a fresh rebuild (\(parts))")
        }
        if !absent.isEmpty {
            findings.append("profile_traits lacks trait columns \(absent.map(d.quote).joined(separator: ", "))")
            if result.status == .pass { result.status = .warn }
        }
        if !findings.isEmpty { result.message = findings.joined(separator: "; ") }
    }
}
