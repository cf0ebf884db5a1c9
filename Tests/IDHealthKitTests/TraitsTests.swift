import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// profile_traits: the latest snapshot per segment_id, merged per profile (docs/semantics.md, "profile_traits").
@Suite("Profile traits")
struct TraitsTests {
    func load(_ test: TestDatabase) throws {
        let d = test.database.dialect
        try test.createGraph([("a", "a", 1), ("b", "b", 2), ("b", "a", 5), ("c", "c", 3)])
        try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
        func time(_ seq: Int64) -> SQLValue { .text(d.timestampLiteral(UTCTime.format(1_700_000_000 + seq))) }
        try test.createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", "plan", "city", "context_ip", "_loaded"], rows: [
            ["t1", "a", time(1), time(1), 1, "free", "Berlin", "1.2.3.4", "x"],
            ["t2", "b", time(2), time(2), 2, "pro", nil, "1.2.3.4", "x"],          // b's latest: plan pro, city cleared
            ["t3", "a", time(6), time(6), 6, nil, "Lyon", "1.2.3.4", "x"],          // a's latest after the merge
            ["t4", "d", time(7), time(7), 7, "starter", "Osaka", nil, nil],         // d is unknown to the graph
        ])
    }

    func traits(_ test: TestDatabase) throws -> [[String?]] {
        let d = test.database.dialect
        return try test.database.rows("SELECT canonical_segment_id, merged_to, plan, city FROM \(table: QualifiedName(test.schemas.target, TableName.profileTraits)) ORDER BY 1")
            .map { $0.values.map(\.stringValue) }
    }

    @Test("keep_last_value takes the latest non-NULL value of each trait across the profile", arguments: TestDatabase.engines)
    func keepLastValue(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            let summary = try test.materialize(traitNulls: .keepLastValue)
            #expect(summary.traitColumns == ["plan", "city"])
            #expect(try traits(test) == [
                ["a", nil, "pro", "Lyon"],
                ["b", "a", nil, nil],
                ["c", nil, nil, nil],
                ["d", nil, "starter", "Osaka"],
            ])
        }
    }

    @Test("propagate takes the profile's latest snapshot as it is", arguments: TestDatabase.engines)
    func propagate(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            _ = try test.materialize(traitNulls: .propagate)
            #expect(try traits(test) == [
                ["a", nil, nil, "Lyon"],
                ["b", "a", nil, nil],
                ["c", nil, nil, nil],
                ["d", nil, "starter", "Osaka"],
            ])
        }
    }

    @Test("hostile trait and schema names are quoted, not executed", arguments: TestDatabase.engines)
    func hostileNames(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("a", "a", 1)])
            try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
            let hostile = "plan\"; DROP TABLE id_graph_updates; --"
            let time = SQLValue.text(test.database.dialect.timestampLiteral("2026-01-01 00:00:00"))
            try test.createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", hostile, "städt"], rows: [
                ["t1", "a", time, time, 1, "pro", "Köln"],
            ])
            let summary = try test.materialize()
            #expect(summary.traitColumns == [hostile, "städt"])
            let d = test.database.dialect
            let row = try #require(try test.database.firstRow("SELECT \(ident: hostile), \(ident: "städt") FROM \(table: QualifiedName(test.schemas.target, TableName.profileTraits))"))
            #expect(row.values == [.text("pro"), .text("Köln")])
            #expect(try test.database.tableExists(QualifiedName(test.schemas.source, TableName.idGraphUpdates)))
        }
    }
}
