import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// Chain resolution on hand-built graphs (docs/semantics.md, "Resolution"), whatever order rows landed in.
@Suite("Resolution")
struct ResolutionTests {
    @Test("a ten-hop chain without recursive entries resolves to its terminal", arguments: TestDatabase.engines)
    func longChain(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            // s0 is terminal; s(i) merges into s(i-1). Rows are inserted newest first.
            var pointers: [(String, String, Int64)] = [("s0", "s0", 1)]
            for index in 1...10 { pointers.append(("s\(index)", "s\(index)", Int64(index * 10))) }
            for index in 1...10 { pointers.append(("s\(index)", "s\(index - 1)", Int64(200 - index))) }
            try test.createGraph(pointers.reversed())
            try test.createEmptyExternalAndTraits()
            let summary = try test.materialize()
            let canonicals = try test.canonicals()
            #expect(canonicals.count == 11)
            #expect(Set(canonicals.values) == ["s0"])
            #expect(summary.resolution["chain"] == 9)
            #expect(summary.resolution["merged"] == 1)

            let run = try test.check()
            let chains = try run.result("merge_chains")
            #expect(chains.value == 9)
            #expect(chains.details["by_kind"]?["non_terminal"] == .integer(9))
            // s10 needs ten hops and is listed first.
            #expect(chains.samples.first?[0] == .text("s10"))
            #expect(chains.samples.first?[3] == .integer(10))
        }
    }

    @Test("the current pointer is the greatest seq, ties broken by uuid_ts", arguments: TestDatabase.engines)
    func currentPointer(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let d = test.database.dialect
            let early = SQLValue.text(d.timestampLiteral("2026-01-01 00:00:00"))
            let late = SQLValue.text(d.timestampLiteral("2026-01-02 00:00:00"))
            try test.createRaw(TableName.idGraphUpdates, columns: ["segment_id", "canonical_segment_id", "timestamp", "uuid_ts", "seq"], rows: [
                ["a", "a", early, early, 1], ["b", "b", early, early, 1], ["c", "c", early, early, 1],
                // Two rows with seq 5 for c: the one that landed later (uuid_ts) wins.
                ["c", "b", early, late, 5], ["c", "a", early, early, 5],
                // A higher seq that landed earlier still wins for a.
                ["a", "b", late, early, 9],
            ])
            try test.createEmptyExternalAndTraits()
            _ = try test.materialize()
            #expect(try test.canonicals() == ["a": "b", "b": "b", "c": "b"])
        }
    }

    @Test("a three-cycle with a tail resolves to the target of its latest merge", arguments: TestDatabase.engines)
    func cycle(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([
                ("x", "x", 1), ("y", "y", 2), ("z", "z", 3), ("t", "t", 4), ("u", "u", 5),
                ("x", "y", 10), ("y", "z", 11), ("z", "x", 12),  // z → x is the latest merge: canonical x
                ("t", "y", 13), ("u", "t", 14),                  // t leads into the cycle, u into t
            ])
            try test.createEmptyExternalAndTraits()
            let summary = try test.materialize()
            #expect(try test.canonicals() == ["x": "x", "y": "x", "z": "x", "t": "x", "u": "x"])
            #expect(summary.resolution["cycle"] == 3)
            #expect(summary.resolution["into_cycle"] == 2)

            let chains = try test.check().result("merge_chains")
            #expect(chains.details["by_kind"]?["cycle"] == .integer(3))
            #expect(chains.details["by_kind"]?["into_cycle"] == .integer(2))
            #expect(chains.value == 5)
            #expect(chains.status == .fail)
        }
    }

    @Test("a dangling pointer resolves to the missing id, which becomes a live profile", arguments: TestDatabase.engines)
    func dangling(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createGraph([("p", "p", 1), ("p", "q", 2), ("r", "r", 3), ("r", "p", 4)])
            try test.createEmptyExternalAndTraits()
            let summary = try test.materialize()
            #expect(try test.canonicals() == ["p": "q", "r": "q"])
            #expect(summary.resolution["dangling"] == 2)
            let d = test.database.dialect
            let profiles = try test.database.rows("SELECT canonical_segment_id, merged_to FROM \(table: QualifiedName(test.schemas.target, TableName.profileTraits)) ORDER BY 1")
                .map { [$0[0].stringValue, $0[1].stringValue] }
            #expect(profiles == [["p", "q"], ["q", nil], ["r", "q"]])

            let chains = try test.check().result("merge_chains")
            #expect(chains.details["by_kind"]?["dangling"] == .integer(1))
            #expect(chains.details["by_kind"]?["non_terminal"] == .integer(1))
            #expect(chains.value == 2)
            // profile_traits keeps its promise: merged_to always names a live profile.
            #expect(chains.details["by_kind"]?["merged_to_missing"] == .integer(0))
        }
    }
}
