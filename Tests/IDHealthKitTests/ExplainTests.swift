import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// `idhealth explain`: Segment's documented merge of profile_2 into profile_1, told back; the
/// generator's injected super-profiles, traced to the junk value that merged them.
@Suite("Explain")
struct ExplainTests {
    @Test("profile_2 joined profile_1 at 2022-06-22 10:48:00 through identify event_4; the profile's external ids and traits, masked", arguments: TestDatabase.engines)
    func goldenCaseStudy(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try GoldenCaseStudyTests().load(into: test)
            _ = try test.materialize()
            let masked = Masker(showValues: false)
            let explanation = try Explanation.explain("profile_2", database: test.database, schemas: test.schemas, masker: masked)
            #expect(explanation.askedKind == .segmentID)
            #expect(explanation.profile == "profile_1")
            #expect(explanation.memberCount == 2)
            #expect(explanation.members == [
                .init(segmentID: "profile_1", how: "itself", pointsTo: "profile_1", joinedAt: "2022-05-02 14:01:00", eventType: "page", eventID: "event_1", broughtExternalIds: []),
                .init(segmentID: "profile_2", how: "merged", pointsTo: "profile_1", joinedAt: "2022-06-22 10:48:00", eventType: "identify", eventID: "event_4", broughtExternalIds: []),
            ])
            #expect(explanation.externalIds == [
                .init(type: "anonymous_id", value: "52***4d21", firstSeen: "2022-05-02 14:01:00", lastSeen: "2022-05-02 14:01:00", otherProfiles: 0),
                .init(type: "email", value: "j***@segment.com", firstSeen: "2022-05-02 14:01:47", lastSeen: "2022-05-02 14:01:47", otherProfiles: 0),
                .init(type: "anonymous_id", value: "b5***451c", firstSeen: "2022-06-22 10:48:00", lastSeen: "2022-06-22 10:48:00", otherProfiles: 0),
            ])
            // The email came from profile_1's latest snapshot, which landed with the merge.
            #expect(explanation.traits == [.init(name: "email", value: "j***@segment.com", fromSegmentID: "profile_1", landedAt: "2022-06-22 10:48:00")])
            #expect(explanation.findings.isEmpty, "the documented example is healthy: \(explanation.findings)")
            #expect(explanation.leftOut.isEmpty)

            // The canonical itself, and the profile found from an external id by its hash.
            #expect(try Explanation.explain("profile_1", database: test.database, schemas: test.schemas, masker: masked).askedKind == .canonical)
            let byEmail = try Explanation.explain("email:jane.kim@segment.com", database: test.database, schemas: test.schemas, masker: Masker(showValues: true))
            #expect(byEmail.askedKind == .externalID && byEmail.profile == "profile_1" && byEmail.asked == "email:jane.kim@segment.com")
            #expect(byEmail.traits.map(\.value) == ["jane.kim@segment.com"], "--show-values shows them")
            #expect(try Explanation.explain("email:jane.kim@segment.com", database: test.database, schemas: test.schemas, masker: masked).asked == "email:j***@segment.com")
            // A segment_id is no personal data: the message shows it as typed.
            #expect(throws: InputError("`nobody` is neither a segment_id of \(test.schemas.target).id_graph nor an external id TYPE:VALUE of \(test.schemas.target).external_id_mapping")) {
                try Explanation.explain("nobody", database: test.database, schemas: test.schemas, masker: masked)
            }

            let text = explanation.text(markdown: false)
            // The README shows this very explanation.
            let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
            let shown = try #require(readme.components(separatedBy: "$ idhealth explain profile_2\n").dropFirst().first?.components(separatedBy: "```").first)
            #expect(shown == text, "README's explain example:\n\(shown)\nactual:\n\(text)")
            #expect(text.contains("  profile_2   merged  profile_1  2022-06-22 10:48:00  identify event_4\n"), "\(text)")
            let markdown = explanation.text(markdown: true)
            #expect(markdown.contains("| profile_2 | merged | profile_1 | 2022-06-22 10:48:00 | identify event_4 |  |"), "\(markdown)")
            let json = try JSONSerialization.jsonObject(with: explanation.json()) as? [String: Any]
            #expect(json?["profile"] as? String == "profile_1" && (json?["external_ids"] as? [Any])?.count == 3)
        }
    }

    @Test("as of 10:47:59, a second before the merge, profile_2 was a profile of its own (its anonymous_id row is stamped 10:48:00 in Segment's table, so not yet there); the current tables are untouched", arguments: [Dialect.Engine.sqlite, .postgres])
    func beforeTheMerge(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try GoldenCaseStudyTests().load(into: test)
            _ = try test.materialize()
            let before = try Explanation.explain("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: true),
                                                 asOf: try #require(PointInTime.parse("2022-06-22 10:47:59")))
            #expect(before.profile == "profile_2" && before.askedKind == .canonical)
            #expect(before.asOf == "2022-06-22 10:47:59" && before.asOfField == "uuid_ts")
            #expect(before.members.map(\.segmentID) == ["profile_2"])
            #expect(before.members.first?.joinedAt == "2022-06-22 10:47:15" && before.members.first?.eventID == "event_3")
            // The anonymous_id row of event 3 landed at 10:48:00 (the fixture's own time): by
            // event time it was there, by landing time not yet.
            #expect(before.externalIds.isEmpty, "\(before.externalIds)")
            let byEvent = try Explanation.explain("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: true),
                                                  asOf: try #require(PointInTime.parse("2022-06-22 10:48:00", field: .timestamp)))
            #expect(byEvent.profile == "profile_1", "at 10:48:00 by event time the merge had happened")
            // The current tables say what they said.
            #expect(try test.canonicals()["profile_2"] == "profile_1")
            // The past state is the connection's own: another session's as-of explain (holding
            // what would be the lock of its temporary target) does not stand in the way.
            if engine == .postgres {
                let other = try PostgresDatabase(conninfo: test.location)
                #expect(try other.tryLock("materialize:pg_temp", schema: "pg_temp", holder: "another explain") == .acquired)
                defer { try? other.unlock("materialize:pg_temp", schema: "pg_temp") }
                #expect(try Explanation.explain("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: true),
                                                asOf: try #require(PointInTime.parse("2022-06-22 10:47:59"))).profile == "profile_2")
            }
            let now = try Explanation.explain("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: true))
            #expect(now.profile == "profile_1" && now.asOf == nil)
        }
    }

    @Test("what the merge did to profile_2, from 10:47:59 to now and to 10:48:00: it joined profile_1, gaining its member, external ids and email", arguments: [Dialect.Engine.sqlite, .postgres])
    func whatTheMergeDid(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try GoldenCaseStudyTests().load(into: test)
            _ = try test.materialize()
            let before = try #require(PointInTime.parse("2022-06-22 10:47:59"))
            for later in [nil, PointInTime.parse("2022-06-22 10:48:00")] {
                let change = try ExplanationChange.compare("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: true),
                                                           traitNulls: .keepLastValue, from: before, to: later)
                #expect(change.profileBefore == "profile_2" && change.profileAfter == "profile_1")
                #expect(change.membersGained == ["profile_1"] && change.membersGainedCount == 1 && change.membersLost.isEmpty)
                #expect(change.externalIdsAdded == ["anonymous_id:5285bc35-05ef-4d21", "anonymous_id:b50e18a5-1b8d-451c", "email:jane.kim@segment.com"])
                #expect(change.externalIdsRemoved.isEmpty)
                #expect(change.traitsChanged == [.init(name: "email", before: nil, after: "jane.kim@segment.com")])
                #expect(change.to == (later == nil ? "now" : "2022-06-22 10:48:00"))
            }
            let masked = try ExplanationChange.compare("profile_2", database: test.database, schemas: test.schemas, masker: Masker(showValues: false),
                                                       traitNulls: .keepLastValue, from: before, to: nil)
            #expect(masked.externalIdsAdded.contains("email:j***@segment.com"))
            #expect(masked.text(markdown: false).contains("Profile: profile_2 → profile_1"), "\(masked.text(markdown: false))")
            #expect(try test.canonicals()["profile_2"] == "profile_1", "the current tables are untouched")
        }
    }

    @Test("hostile ids and values: quotes, backslashes, pipes, line breaks, SQL and Unicode are found, shown safely, and change nothing", arguments: TestDatabase.engines)
    func hostileValues(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let survivor = "o'brien\\x|y", merged = "1; DROP TABLE id_graph; --", odd = "名前\nzwei"
            try test.createGraph([(survivor, survivor, 1), (merged, survivor, 2), (odd, merged, 3)])
            let email = "bob'); DELETE FROM x; --@example.com"
            try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "triggering_event_id", "timestamp", "uuid_ts", "seq"], rows: [
                [.text("m1"), .text(merged), .text("email"), .text(email), .text(SHA1Hex.digest("email" + email)), .text("evt_2"), test.time(2), test.time(2), .integer(2)],
            ])
            try test.createRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", "plan"], rows: [
                [.text("t1"), .text(odd), test.time(3), test.time(3), .integer(3), .text("a|b\n<script>")],
            ])
            _ = try test.materialize()
            let explanation = try Explanation.explain(odd, database: test.database, schemas: test.schemas, masker: Masker(showValues: false))
            #expect(explanation.profile == survivor)
            #expect(explanation.members.map(\.segmentID) == [survivor, merged, odd])
            #expect(explanation.members.map(\.how) == ["itself", "merged", "chain"])
            #expect(explanation.members[1].broughtExternalIds == ["email:b***@example.com"])
            #expect(explanation.traits.map(\.value) == ["a|b\n<script>"])
            let byEmail = try Explanation.explain("email:" + email, database: test.database, schemas: test.schemas, masker: Masker(showValues: false))
            #expect(byEmail.profile == survivor && byEmail.asked == "email:b***@example.com")
            // Markdown cells escape the pipe; the terminal text keeps one line per row.
            let markdown = explanation.text(markdown: true)
            #expect(markdown.contains("| o'brien\\x\\|y | itself |"), "\(markdown)")
            let text = explanation.text(markdown: false)
            #expect(text.contains("  名前 zwei  ") && text.contains("a|b <script>"), "a line break in a value is a space in the table: \(text)")
            #expect(try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(test.schemas.target, TableName.idGraph))").intValue == 3, "nothing was dropped")
        }
    }

    @Test("an injected super-profile is traced to the junk value every merging event brought, its lists capped with what was left out", arguments: TestDatabase.engines)
    func superProfile(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let truth = try ProfilesSyncGenerator(profiles: 1_500, seed: 7, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let largest = try #require(truth.injected.superProfiles.max { $0.segmentIDs < $1.segmentIDs })
            #expect(largest.segmentIDs > Explanation.listLimit)
            let explanation = try Explanation.explain(largest.canonicalSegmentID, database: test.database, schemas: test.schemas, masker: Masker(showValues: false))
            #expect(explanation.memberCount == Int64(largest.segmentIDs))
            #expect(explanation.members.count == Explanation.listLimit)
            #expect(explanation.leftOut.first == "\(largest.segmentIDs - Explanation.listLimit) of \(largest.segmentIDs) members (the first \(Explanation.listLimit) to join are listed)")
            let merged = explanation.members.filter { $0.how != "itself" }
            #expect(!merged.isEmpty)
            // A junk value is not personal data: it is shown as it is, since it is the finding.
            let junk = "\(largest.externalIDType):\(largest.externalIDValue)"
            // A broken chain's member shows the recursive entry it lacks: its pointer names an
            // id that merged on, not the profile.
            let chained = truth.injected.chainOffenders.filter { $0.kind == "non_terminal" }
            #expect(!chained.isEmpty)
            for offender in chained {
                let chain = try Explanation.explain(offender.segmentID, database: test.database, schemas: test.schemas, masker: Masker(showValues: false))
                let member = try #require(chain.members.first { $0.segmentID == offender.segmentID })
                #expect(chain.profile == offender.canonicalSegmentID && member.how == "chain" && member.pointsTo == offender.pointsTo, "\(offender)")
                #expect(chain.findings.contains { $0.check == "merge_chains" }, "\(chain.findings)")
                #expect(chain.text(markdown: false).contains("chain: no entry to \(offender.canonicalSegmentID)"))
            }
            for member in merged {
                #expect(member.broughtExternalIds.contains(junk), "\(member.segmentID) joined through \(member.eventID ?? "?"), which brought \(member.broughtExternalIds)")
            }
            #expect(explanation.findings.contains(.init(check: "merge_fan_in", message: "holds \(largest.segmentIDs) segment_ids, more than 50")), "\(explanation.findings)")
            #expect(explanation.findings.contains(.init(check: "blocked_values", message: "merged through the junk value \(junk)")), "\(explanation.findings)")
        }
    }
}
