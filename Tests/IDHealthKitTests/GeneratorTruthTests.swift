import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// Generated data, materialized and checked: every check's numbers equal what the generator
/// says it injected, on both engines.
@Suite("Generator truth")
struct GeneratorTruthTests {
    @Test("merge_chains and merge_fan_in report exactly what was injected", arguments: TestDatabase.placesAndWarehouses)
    func defaultAnomalies(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            let truth = try ProfilesSyncGenerator(profiles: 1_500, seed: 7, anomalies: true)
                .write(to: test.database, schema: test.schemas.source, replace: false)
            let summary = try test.materialize()
            let run = try test.check()

            let chains = try run.result("merge_chains")
            #expect(chains.status == .fail)
            #expect(chains.value == Int64(truth.expected.mergeChains.value))
            #expect(chains.value == 9)
            for (kind, count) in truth.expected.mergeChains.byKind {
                #expect(chains.details["by_kind"]?[kind] == .integer(Int64(count)), "kind \(kind)")
            }
            // Offending segment_ids by hop count, against the sampled rows (all 9 fit in a sample).
            #expect(chains.samples.count == 9)
            let hopsColumn = try #require(chains.sampleColumns.firstIndex(of: "hops"))
            var hops: [String: Int] = [:]
            for row in chains.samples { if let value = row[hopsColumn].intValue { hops[String(value), default: 0] += 1 } }
            #expect(hops == truth.expected.mergeChains.hops)

            let fanIn = try run.result("merge_fan_in")
            #expect(fanIn.status == .fail)
            #expect(fanIn.value == Int64(truth.expected.mergeFanIn.value))
            #expect(fanIn.details["over_fail"] == .integer(Int64(truth.expected.mergeFanIn.overFail)))
            #expect(fanIn.details["distribution"]?["max"] == .integer(Int64(truth.expected.mergeFanIn.max)))

            // The materialized graph resolves every injected chain as the design says.
            let canonicals = try test.canonicals()
            for offender in truth.injected.chainOffenders {
                #expect(canonicals[offender.segmentID] == offender.canonicalSegmentID, "\(offender.kind) \(offender.segmentID)")
            }
            #expect(summary.resolution["cycle"] == 2)
            #expect(summary.resolution["into_cycle"] == 1)
            #expect(summary.resolution["dangling"] == 1)
            for superProfile in truth.injected.superProfiles {
                #expect(canonicals.values.filter { $0 == superProfile.canonicalSegmentID }.count == superProfile.segmentIDs)
            }
            // Row counts of the raw tables are what the truth says was written.
            for table in TableName.rawTables {
                let count = try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(test.schemas.source, table))").intValue
                #expect(count == truth.rows[table], "\(table)")
            }
        }
    }

    @Test("every check's value and status equal the truth", arguments: TestDatabase.placesAndWarehouses)
    func everyCheck(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            let truth = try ProfilesSyncGenerator(profiles: 1_500, seed: 21, anomalies: true)
                .write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try test.materialize()
            let asOf = ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600)
            let run = try test.check(now: asOf)
            #expect(run.results.map(\.id) == CheckCatalog.ids)
            for (id, value) in truth.expected.values {
                let result = try run.result(id)
                #expect(result.value == Int64(value), "\(id): \(result.message ?? "")")
                #expect(result.status.rawValue == truth.expected.statuses[id], "\(id): \(result.message ?? "")")
            }
            #expect(truth.expected.anomalousMergeDays.count == 2)
            let days = try run.result("merge_rate_anomaly").samples.compactMap { $0.first?.stringValue }.sorted()
            #expect(days == truth.expected.anomalousMergeDays)
            #expect(days == truth.injected.superProfiles.filter { $0.segmentIDs > 50 }.map(\.mergeDay).sorted())

            // Freshness: hours from each table's last landing (per the truth) to the clock.
            let freshness = try run.result("freshness")
            #expect(freshness.status == .pass)
            let stalest = truth.lastLanded.values.min()!
            let expectedHours = (asOf.timeIntervalSince1970 - Double(try #require(seconds(stalest)))) / 3_600
            #expect(freshness.value == Int64(expectedHours.rounded(.down)))

            // The offenders are the injected ones.
            let hash = try run.result("external_id_hash")
            #expect(hash.samples.count == truth.injected.badHashes.count)
            let blocked = try run.result("blocked_values")
            let blockedValues = Set(blocked.samples.compactMap { $0[1].stringValue })
            #expect(blockedValues == Set(truth.injected.superProfiles.map(\.externalIDValue)))
            let collision = try run.result("external_id_collisions")
            #expect(collision.samples.first?[0] == .text("email"))
            #expect(collision.samples.first?[2] == .integer(2))
            let merged = try run.result("merged_profile_traits")
            #expect(Set(merged.samples.compactMap { $0[0].stringValue }) == Set(truth.injected.mergedAwayWithTraits))
        }
    }

    func seconds(_ text: String) -> Int64? {
        let parts = text.split(whereSeparator: { "- :".contains($0) }).compactMap { Int64($0) }
        guard parts.count == 6 else { return nil }
        return UTCTime.seconds(year: parts[0], month: parts[1], day: parts[2]) + parts[3] * 3_600 + parts[4] * 60 + parts[5]
    }

    @Test("with --anomalies none every check passes", arguments: TestDatabase.placesAndWarehouses)
    func noAnomalies(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            let truth = try ProfilesSyncGenerator(profiles: 1_500, seed: 11, anomalies: false)
                .write(to: test.database, schema: test.schemas.source, replace: false)
            #expect(truth.injected == GenerationTruth.Injected())
            let summary = try test.materialize()
            #expect(summary.resolution["chain"] == nil)
            let run = try test.check(now: ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600))
            #expect(run.results.count == CheckCatalog.all.count)
            for result in run.results {
                #expect(result.status == .pass, "\(result.id): \(result.message ?? "")")
                if result.id != "freshness" { #expect(result.value == 0, "\(result.id)") }
            }
            #expect(try run.result("merge_fan_in").details["distribution"]?["max"] == .integer(Int64(truth.expected.mergeFanIn.max)))
            #expect(run.exitStatus() == 0)
        }
    }

    @Test("the same seed writes the same rows; another seed does not")
    func deterministic() throws {
        func fingerprint(seed: UInt64) throws -> [String] {
            try TestDatabase.with(.sqlite) { test in
                _ = try ProfilesSyncGenerator(profiles: 300, seed: seed, anomalies: true).write(to: test.database, schema: "main", replace: false)
                return try test.database.rows("SELECT segment_id || '>' || canonical_segment_id || '@' || seq FROM id_graph_updates ORDER BY 1", limit: 1_000_000)
                    .map { $0[0].stringValue ?? "" }
            }
        }
        let first = try fingerprint(seed: 3)
        #expect(first.count > 300)
        #expect(try fingerprint(seed: 3) == first)
        #expect(try fingerprint(seed: 4) != first)
    }

    @Test("existing raw tables are refused unless replaced")
    func refusesToOverwrite() throws {
        try TestDatabase.with(.sqlite) { test in
            let generator = ProfilesSyncGenerator(profiles: 10, seed: 1, anomalies: false)
            _ = try generator.write(to: test.database, schema: "main", replace: false)
            #expect(throws: ConfigError.self) { try generator.write(to: test.database, schema: "main", replace: false) }
            _ = try generator.write(to: test.database, schema: "main", replace: true)
        }
    }
}

@Suite("Truth file")
struct TruthFileTests {
    @Test("the truth file round-trips through its snake_case JSON")
    func roundTrip() throws {
        let truth = try TestDatabase.with(.sqlite) { test in
            try ProfilesSyncGenerator(profiles: 50, seed: 2, anomalies: true).write(to: test.database, schema: "main", replace: false)
        }
        let data = try truth.jsonData()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"canonical_segment_id\""))
        #expect(try GenerationTruth.decode(data) == truth)
    }
}
