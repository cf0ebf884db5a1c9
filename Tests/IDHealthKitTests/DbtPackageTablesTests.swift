import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// `idhealth check` on tables built by the dbt package idhealth replaces
/// (segmentio/profiles-sync-dbt), not by idhealth: the same three names, but `id_graph` takes
/// each segment_id's current pointer as its canonical (a chain stays half-resolved),
/// `external_id_mapping` keeps each hash's latest row by `timestamp` and has no segment_id or
/// seq, and `profile_traits` has one row per canonical with `merged_to` an empty string. The
/// tables are built here by hand in that shape (docs/semantics.md, "Tables built by the dbt
/// package"), from the same raw history idhealth materializes, and the findings are compared
/// with what idhealth's own resolution of that history says.
@Suite("Tables the dbt package built")
struct DbtPackageTablesTests {
    @Test("check finds the dbt package's half-resolved chains and its drift, and reads an empty merged_to as no profile", arguments: TestDatabase.engines)
    func dbtShapedTables(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            _ = try ProfilesSyncGenerator(profiles: 400, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let configuration = try Configuration.parse("checks: {materialization_drift: {sample: all}}", file: "idhealth.yml", baseDirectory: URL(fileURLWithPath: "/nonexistent"))
            let resolved = try test.canonicals()
            let ownMapping = try mapping(test)
            let own = try test.check(configuration, now: CheckSuiteTests.now)

            try replaceWithDbtShapedTables(test)
            let dbtGraph = try graph(test)
            let run = try test.check(configuration, now: CheckSuiteTests.now)
            for result in run.results {
                #expect(result.status != .error && result.status != .skipped, "\(result.id): \(result.message ?? "")")
            }

            // A canonical the dbt package wrote whose own row points on (a chain it left
            // half-resolved, or a cycle it did not break) must be found, every one of them;
            // among them every canonical that idhealth's resolution takes further.
            let notSelf = Set(dbtGraph.values).filter { canonical in dbtGraph[canonical].map { $0 != canonical } ?? false }
            let resolvedFurther = Set(dbtGraph.values).filter { canonical in resolved[canonical].map { $0 != canonical } ?? false }
            #expect(!resolvedFurther.isEmpty, "the generated history has chains the dbt shape leaves half-resolved")
            #expect(resolvedFurther.isSubset(of: notSelf))
            let chains = try run.result("merge_chains")
            #expect(chains.details["by_kind"]?["canonical_not_self"] == .integer(Int64(notSelf.count)))
            // The empty merged_to of every row is no profile: nothing points at a missing one.
            #expect(chains.details["by_kind"]?["merged_to_missing"] == .integer(0))
            #expect(chains.details["by_kind"]?["merged_to_merged_away"] == .integer(0))
            // What merge_chains finds in the raw history does not depend on whose tables these are.
            let ownChains = try own.result("merge_chains")
            for kind in ["non_terminal", "cycle", "into_cycle", "dangling"] {
                #expect(chains.details["by_kind"]?[kind] == ownChains.details["by_kind"]?[kind], "\(kind)")
            }
            #expect(chains.status == .fail)

            // Drift is the distance from the raw history's state: every segment_id whose dbt
            // canonical is not idhealth's, every hash whose mapping differs.
            let drift = try run.result("materialization_drift")
            let graphDrift = dbtGraph.filter { resolved[$0.key] != $0.value }.count
            #expect(graphDrift > 0)
            #expect(drift.details["by_table"]?["id_graph"] == .integer(Int64(graphDrift)))
            let dbtMapping = try mapping(test)
            let mappingDrift = Set(ownMapping.keys).union(dbtMapping.keys).filter { ownMapping[$0] != dbtMapping[$0] }.count
            #expect(drift.details["by_table"]?["external_id_mapping"] == .integer(Int64(mappingDrift)))
            #expect(drift.status == .fail)

            // No tombstone in the dbt tables carries traits (there are none); the raw history's
            // traits after a merge are found as before.
            let traits = try run.result("merged_profile_traits"), ownTraits = try own.result("merged_profile_traits")
            #expect(traits.details["by_kind"]?["materialized_tombstone"] == .integer(0))
            #expect(traits.details["by_kind"]?["raw_history"] == ownTraits.details["by_kind"]?["raw_history"])
            for id in ["external_id_hash", "duplicate_rows", "freshness", "merge_rate_anomaly"] {
                #expect(try run.result(id).value == own.result(id).value, "\(id) reads only the raw tables")
            }
        }
    }

    /// Drops idhealth's tables and builds the dbt package's three in their place, as its
    /// full-refresh models do (each segment_id's highest-seq row; each hash's latest row by
    /// timestamp; one traits row per canonical from its latest snapshot, `merged_to` empty).
    func replaceWithDbtShapedTables(_ test: TestDatabase) throws {
        let source = test.schemas.source, target = test.schemas.target
        for table in TableName.materializedTables + TableName.stateTables + [TableName.runs, TableName.deletedSegments] {
            try test.database.execute("DROP TABLE IF EXISTS \(table: QualifiedName(target, table))")
        }
        let graph = QualifiedName(target, TableName.idGraph)
        let ts: SQL = .identifier("timestamp")
        try test.database.execute("""
            CREATE TABLE \(table: graph) AS
            SELECT segment_id, canonical_segment_id, uuid_ts, \(sql: .now) AS etl_ts, \(sql: ts), seq FROM (
                SELECT u.segment_id, u.canonical_segment_id, u.uuid_ts, u.\(sql: ts), u.seq,
                       ROW_NUMBER() OVER (PARTITION BY u.segment_id ORDER BY u.seq DESC) AS rn
                FROM \(table: QualifiedName(source, TableName.idGraphUpdates)) u
            ) ranked WHERE rn = 1
            """)
        try test.database.execute("""
            CREATE TABLE \(table: QualifiedName(target, TableName.externalIDMapping)) AS
            SELECT canonical_segment_id, external_id_value, external_id_type, external_id_hash, \(sql: ts), uuid_ts FROM (
                SELECT COALESCE(g.canonical_segment_id, x.segment_id) AS canonical_segment_id, x.external_id_value,
                       x.external_id_type, x.external_id_hash, x.\(sql: ts), x.uuid_ts,
                       ROW_NUMBER() OVER (PARTITION BY x.external_id_hash ORDER BY x.\(sql: ts) DESC, x.seq DESC) AS rn
                FROM \(table: QualifiedName(source, TableName.externalIDMappingUpdates)) x
                LEFT JOIN \(table: graph) g ON g.segment_id = x.segment_id
            ) ranked WHERE rn = 1
            """)
        let traits = try Compilation.traitColumns(of: test.database, schema: source).map(\.name)
        let picked = traits.map { "t.\(ident: $0) AS \(ident: $0)" as SQL }.joined(separator: ", ")
        let listed = traits.map(SQL.identifier).joined(separator: ", ")
        try test.database.execute("""
            CREATE TABLE \(table: QualifiedName(target, TableName.profileTraits)) AS
            SELECT canonical_segment_id, \(sql: listed), \(sql: .now) AS etl_ts, CAST('' AS \(type: .text)) AS merged_to FROM (
                SELECT COALESCE(g.canonical_segment_id, t.segment_id) AS canonical_segment_id, \(sql: picked),
                       ROW_NUMBER() OVER (PARTITION BY COALESCE(g.canonical_segment_id, t.segment_id) ORDER BY t.seq DESC) AS rn
                FROM \(table: QualifiedName(source, TableName.profileTraitsUpdates)) t
                LEFT JOIN \(table: graph) g ON g.segment_id = t.segment_id
            ) ranked WHERE rn = 1
            """)
    }

    func graph(_ test: TestDatabase) throws -> [String: String] {
        try test.canonicals()
    }

    /// external_id_hash → (canonical, type, value) of the target's external_id_mapping.
    func mapping(_ test: TestDatabase) throws -> [String: [String?]] {
        var result: [String: [String?]] = [:]
        let table = QualifiedName(test.schemas.target, TableName.externalIDMapping)
        for row in try test.database.rows("SELECT external_id_hash, canonical_segment_id, external_id_type, external_id_value FROM \(table: table)") {
            result[row[0].stringValue ?? ""] = [row[1].stringValue, row[2].stringValue, row[3].stringValue]
        }
        return result
    }
}
