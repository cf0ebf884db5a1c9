import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// Bad input is named, and nothing is written (docs/semantics.md, "Bad input").
@Suite("Bad input")
struct BadInputTests {
    func materializedTablesExist(_ test: TestDatabase) throws -> Bool {
        try TableName.materializedTables.contains { try test.database.tableExists(QualifiedName(test.schemas.target, $0)) }
    }

    @Test("a missing raw table is named", arguments: TestDatabase.engines)
    func missingTable(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("a", "a", 1)])
            let error = try #require(throws: InputError.self) { try test.materialize() }
            #expect(error.message.contains("external_id_mapping_updates not found"))
            #expect(try !materializedTablesExist(test))
        }
    }

    @Test("a missing column is named with the columns the table has", arguments: TestDatabase.engines)
    func missingColumn(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createRaw(TableName.idGraphUpdates, columns: ["segment_id", "canonical_segment_id", "timestamp", "seq"], rows: [])
            try test.createEmptyExternalAndTraits()
            let error = try #require(throws: InputError.self) { try test.materialize() }
            #expect(error.message.contains("id_graph_updates has no column uuid_ts"))
        }
    }

    @Test("NULL keys are counted and named; nothing is written", arguments: TestDatabase.engines)
    func nullKeys(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let time = SQLValue.text(test.database.dialect.timestampLiteral("2026-01-01 00:00:00"))
            try test.createRaw(TableName.idGraphUpdates, columns: ["segment_id", "canonical_segment_id", "timestamp", "uuid_ts", "seq"], rows: [
                ["a", "a", time, time, 1], ["b", nil, time, time, 2], ["c", nil, time, time, 3],
            ])
            try test.createEmptyExternalAndTraits()
            let error = try #require(throws: InputError.self) { try test.materialize() }
            #expect(error.message.contains("2 row(s) have NULL in key column canonical_segment_id"))
            #expect(try !materializedTablesExist(test))
        }
    }

    @Test("an empty id_graph_updates is refused", arguments: TestDatabase.engines)
    func emptyGraph(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([])
            try test.createEmptyExternalAndTraits()
            let error = try #require(throws: InputError.self) { try test.materialize() }
            #expect(error.message.contains("is empty"))
        }
    }

    @Test("a rerun replaces the previous tables and drops every work table", arguments: TestDatabase.engines)
    func rerun(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("a", "a", 1), ("b", "b", 2), ("b", "a", 3)])
            try test.createEmptyExternalAndTraits()
            _ = try test.materialize()
            let first = try test.canonicals()
            _ = try test.materialize()
            #expect(try test.canonicals() == first)
            for base in WorkTables.workNames {
                #expect(try !test.database.tableExists(QualifiedName(test.schemas.target, WorkTables.workPrefix + base)), "\(base)")
            }
            for table in TableName.materializedTables {
                #expect(try !test.database.tableExists(QualifiedName(test.schemas.target, WorkTables.stagePrefix + table)), "\(table)")
            }
        }
    }

    @Test("checks on a database that was never materialized are skipped, not crashed", arguments: TestDatabase.engines)
    func checksBeforeMaterialize(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("a", "a", 1)])
            let run = try test.check()
            #expect(try run.result("merge_fan_in").status == .skipped)
            #expect(try run.result("merge_fan_in").message?.contains("id_graph not found") == true)
            #expect(try run.result("merge_chains").status == .pass)
            #expect(run.graph == nil)
            #expect(run.exitStatus() == 0)
        }
    }
}
