import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// `materialization_drift` by sample (docs/semantics.md, "Drift"): each sampled key is rebuilt
/// exactly, so a sample as large as the data finds what a full rebuild finds, and correct
/// tables show no drift in any sample, on generated data with chains, cycles, dangling
/// targets and super-profiles, and after incremental runs.
@Suite("Drift by sample")
struct DriftSampleTests {
    static func configuration(sample: String, profiles: Int = 1_000, nulls: TraitNulls = .keepLastValue) throws -> Configuration {
        try Configuration.parse("""
            sample_size: 100
            traits:
              nulls: \(nulls.rawValue)
            checks:
              materialization_drift:
                sample: \(sample)
                sample_profiles: \(profiles)
            """, file: "idhealth.yml", baseDirectory: URL(fileURLWithPath: "/nonexistent"))
    }

    static func drift(_ database: any Database, _ schemas: Schemas, sample: String, profiles: Int = 1_000, nulls: TraitNulls = .keepLastValue) throws -> CheckResult {
        let settings = try configuration(sample: sample, profiles: profiles, nulls: nulls).checkSettings
        let run = try CheckRunner(context: CheckContext(database: database, schemas: schemas, settings: settings)).run(selection: ["materialization_drift"])
        return try run.result("materialization_drift")
    }

    /// The differing keys a result lists, as `table/key`.
    static func keys(_ result: CheckResult) -> Set<String> {
        Set(result.samples.map { "\($0[0].stringValue ?? "")/\($0[1].stringValue ?? "")" })
    }

    @Test("generated data: no drift in a small or a whole sample; edits found exactly as a full rebuild finds them",
          arguments: TestDatabase.engines)
    func generated(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            _ = try ProfilesSyncGenerator(profiles: 1_500, seed: 7, anomalies: true)
                .write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()

            let small = try Self.drift(test.database, test.schemas, sample: "200", profiles: 50)
            #expect(small.status == .pass, "\(small.message ?? "")")
            #expect(small.value == 0)
            #expect(small.details["sampled"]?[TableName.idGraph] == .integer(200))
            #expect(small.details["sampled"]?[TableName.profileTraits] == .integer(50))
            let compared = try #require(small.details["compared"]?.stringValue)
            #expect(compared.hasPrefix("a random sample"), "\(compared)")
            #expect(compared.contains("200 segment_ids") && compared.contains("50 profiles"), "\(compared)")

            let whole = try Self.drift(test.database, test.schemas, sample: "1000000", profiles: 1_000_000)
            #expect(whole.status == .pass, "\(whole.message ?? "")")
            let segmentIDs = try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(test.schemas.target, TableName.idGraph))").intValue
            #expect(whole.details["sampled"]?[TableName.idGraph] == segmentIDs.map(JSONValue.integer))

            // Three kinds of edit: canonicals changed, a row that should not exist, a row
            // deleted, and external ids moved to a profile they are not on.
            let graph = QualifiedName(test.schemas.target, TableName.idGraph)
            let mapping = QualifiedName(test.schemas.target, TableName.externalIDMapping)
            let traits = QualifiedName(test.schemas.target, TableName.profileTraits)
            let moved = try test.database.rows("SELECT segment_id FROM \(table: graph) ORDER BY segment_id LIMIT 3").compactMap { $0[0].stringValue }
            for id in moved {
                try test.database.execute("UPDATE \(table: graph) SET canonical_segment_id = 'nowhere' WHERE segment_id = \(bind: .text(id))")
            }
            try test.database.execute("INSERT INTO \(table: graph) (segment_id, canonical_segment_id) VALUES ('ghost', 'ghost')")
            let hashes = try test.database.rows("SELECT external_id_hash FROM \(table: mapping) ORDER BY external_id_hash LIMIT 2").compactMap { $0[0].stringValue }
            for hash in hashes {
                try test.database.execute("UPDATE \(table: mapping) SET canonical_segment_id = 'nowhere' WHERE external_id_hash = \(bind: .text(hash))")
            }
            let gone = try #require(try test.database.scalar("SELECT MIN(canonical_segment_id) FROM \(table: traits) WHERE merged_to IS NULL").stringValue)
            try test.database.execute("DELETE FROM \(table: traits) WHERE canonical_segment_id = \(bind: .text(gone))")

            let full = try Self.drift(test.database, test.schemas, sample: "all")
            let sampled = try Self.drift(test.database, test.schemas, sample: "1000000", profiles: 1_000_000)
            let expected = Set(moved.map { "id_graph/\($0)" } + ["id_graph/ghost"] + hashes.map { "external_id_mapping/\($0)" } + ["profile_traits/\(gone)"])
            #expect(full.value == 7)
            #expect(Self.keys(full) == expected)
            #expect(full.details["compared"]?.stringValue?.hasPrefix("every key") == true)
            #expect(sampled.value == 7)
            #expect(Self.keys(sampled) == expected)
            #expect(sampled.status == .fail)
            #expect(sampled.message?.contains("7 keys of the") == true, "\(sampled.message ?? "")")

            // Nothing of the sample is left behind.
            let temporary = test.database.dialect.temporarySchema
            for prefix in ["idhealth_drift", "idhealth_current_pointers"] {
                let left = try WorkTables(database: test.database, schema: temporary, token: "x").tables(in: temporary, prefix: prefix)
                #expect(left.isEmpty, "left in \(temporary): \(left)")
            }
        }
    }

    /// 30 profiles of six ids each (one reached through a chain), whose traits and external
    /// ids sit on the chain's far end: a sampled profile is right only if all its members
    /// are found from the profile alone. Of the 180 profile keys, 30 are live; a sample of
    /// 151 holds at least one live profile whatever is drawn.
    @Test("a sampled profile's row comes from every member, found from the profile alone", arguments: TestDatabase.engines)
    func membersFromTheProfile(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var pointers: [(String, String, Int64)] = []
            var seq: Int64 = 0
            func next() -> Int64 { seq += 1; return seq }
            for profile in 0..<30 {
                let canonical = "p\(profile)"
                pointers.append((canonical, canonical, next()))
                for member in 0..<4 { pointers.append(("m\(profile)_\(member)", canonical, next())) }
                pointers.append(("m\(profile)_tail", "m\(profile)_3", next()))
            }
            try test.createGraph(pointers)
            try test.createEmptyExternalAndTraits(traits: ["email"])
            for profile in 0..<30 {
                let tail = "m\(profile)_tail", seq = next()
                try test.insertRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq", "email"],
                                   rows: [[.text("t\(profile)"), .text(tail), test.time(seq), test.time(seq), .integer(seq), .text("e\(profile)@example.com")]])
                try test.insertRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"],
                                   rows: [[.text("x\(profile)"), .text(tail), "email", .text("e\(profile)@example.com"), .text("h\(profile)"), test.time(seq), test.time(seq), .integer(seq)]])
            }
            _ = try test.materialize()
            let clean = try Self.drift(test.database, test.schemas, sample: "1", profiles: 151)
            #expect(clean.value == 0, "\(clean.message ?? "")")
            #expect(clean.details["sampled"]?[TableName.profileTraits] == .integer(151))

            let traits = QualifiedName(test.schemas.target, TableName.profileTraits)
            try test.database.execute("UPDATE \(table: traits) SET email = 'changed@example.com' WHERE merged_to IS NULL")
            let edited = try Self.drift(test.database, test.schemas, sample: "1", profiles: 151)
            let found = Self.keys(edited)
            #expect(!found.isEmpty)
            #expect(found.allSatisfy { $0.hasPrefix("profile_traits/p") }, "\(found)")
            #expect(edited.value == Int64(found.count))
        }
    }
}
