import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// The current pointer is defined once (``LatestRowRule``) and read by the materialization
/// and the checks alike, so the order rows landed in can change neither the tables nor what
/// the checks say about them.
@Suite("One rule everywhere")
struct RuleConsistencyTests {
    /// x has two rows with the same seq and landing time: the tie-break (greatest
    /// canonical_segment_id) makes x → c its current pointer, and c has since merged into b,
    /// so x needs two hops: a broken chain.
    static let pointers: [(String, String, Int64)] = [
        ("a", "a", 1), ("b", "b", 2), ("c", "c", 3), ("x", "x", 4), ("x", "a", 7), ("x", "c", 7), ("c", "b", 10),
    ]

    struct Finding: Equatable {
        let status: CheckStatus
        let value: Int64?
        let samples: [[SQLValue]]
        let details: CheckDetails
    }

    struct Outcome: Equatable {
        let canonicals: [String: String]
        let results: [String: Finding]
    }

    func outcome(_ engine: Dialect.Engine, _ rows: [(String, String, Int64)]) throws -> Outcome {
        try TestDatabase.with(engine) { test in
            try test.createGraph(rows)
            try test.createEmptyExternalAndTraits()
            _ = try test.materialize()
            let run = try test.check(now: Date(timeIntervalSince1970: 1_700_000_000 + 3_600))
            var results: [String: Finding] = [:]
            for result in run.results {
                results[result.id] = Finding(status: result.status, value: result.value, samples: result.samples, details: result.details)
            }
            return Outcome(canonicals: try test.canonicals(), results: results)
        }
    }

    @Test("the same rows in two orders give the same tables and the same check results", arguments: TestDatabase.engines)
    func insertionOrder(engine: Dialect.Engine) throws {
        let forward = try outcome(engine, Self.pointers)
        let backward = try outcome(engine, Self.pointers.reversed())
        #expect(forward.canonicals == ["a": "a", "b": "b", "c": "b", "x": "b"])
        #expect(forward == backward)
        try TestDatabase.with(engine) { test in
            try test.createGraph(Self.pointers.reversed())
            try test.createEmptyExternalAndTraits()
            _ = try test.materialize()
            let chains = try test.check(selection: ["merge_chains"]).result("merge_chains")
            #expect(chains.status == .fail)
            #expect(chains.value == 1)
            #expect(chains.samples.first?.prefix(3).map(\.stringValue) == ["x", "c", "non_terminal"])
        }
    }

    /// segment_id → canonical_segment_id of `schema`'s id_graph (a table or a view).
    func canonicals(_ test: TestDatabase, in schema: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try test.database.rows("SELECT segment_id, canonical_segment_id FROM \(table: QualifiedName(schema, TableName.idGraph))") {
            result[row[0].stringValue ?? ""] = row[1].stringValue
        }
        return result
    }

    @Test("a cycle gets the same canonical from the views as from the tables (the member with the greatest seq decides, ties by segment_id)", arguments: TestDatabase.engines.filter { $0 != .redshift })
    func cycleRuleInViews(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            // Two cycles: one decided by seq (q's pointer is newest), one by the tie-break.
            try test.createGraph([("p", "q", 3), ("q", "p", 4), ("r", "p", 5), ("a", "b", 7), ("b", "a", 7), ("z", "b", 8)])
            try test.createEmptyExternalAndTraits()
            let tables = Schemas(source: test.schemas.source, target: try test.extraSchema("tables"))
            _ = try Materializer(database: test.database, schemas: tables).run(mode: .table)
            _ = try Materializer(database: test.database, schemas: test.schemas).run(mode: .view)
            let fromTables = try canonicals(test, in: tables.target)
            #expect(fromTables == ["p": "p", "q": "p", "r": "p", "a": "a", "b": "a", "z": "a"])
            #expect(try canonicals(test, in: test.schemas.target) == fromTables)
        }
    }

    @Test("explain names the snapshot profile_traits took its value from, by the same rule (PostgreSQL: a snapshot of unknown landing is not the latest)", arguments: TestDatabase.engines)
    func explainTraitOrigin(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("p", "p", 1), ("m", "p", 2)])
            try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
            // Both members' snapshots have seq 5; p's landing time is unknown, so m's is the latest.
            try test.createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", "plan"], rows: [
                ["t1", "p", test.time(5), .null, .integer(5), "from-p"],
                ["t2", "m", test.time(5), test.time(5), .integer(5), "from-m"],
            ])
            _ = try test.materialize()
            let stored = try test.database.scalar("SELECT plan FROM \(table: QualifiedName(test.schemas.target, TableName.profileTraits)) WHERE canonical_segment_id = 'p'")
            #expect(stored.stringValue == "from-m")
            let traits = try Explanation.traits(of: "p", database: test.database, schemas: test.schemas, masker: Masker(showValues: true), traitNulls: .keepLastValue)
            let plan = try #require(traits.first { $0.name == "plan" })
            #expect(plan.value == "from-m")
            #expect(plan.fromSegmentID == "m", "explain must name the snapshot the table took the value from")
        }
    }

    @Test("the rules are spelled once: no Swift source outside LatestRows.swift orders rows by seq itself")
    func rulesSpelledOnce() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(files.count > 50)
        for file in files where file.lastPathComponent != "LatestRows.swift" {
            let ordersBySeq = try String(contentsOf: file, encoding: .utf8).contains("seq DESC")
            #expect(!ordersBySeq, "\(file.lastPathComponent) orders by seq itself: use LatestRowRule or CycleRule")
        }
    }
}
