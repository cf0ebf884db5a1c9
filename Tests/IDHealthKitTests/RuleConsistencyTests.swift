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
}
