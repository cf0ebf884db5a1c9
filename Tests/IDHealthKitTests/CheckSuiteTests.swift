import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// Each check on small hand-built data: every way it can fire, and quiet on clean data, on
/// both engines.
@Suite("Checks on hand-built data")
struct CheckSuiteTests {
    /// 2026-01-10 00:00:00 UTC plus `seq` minutes: every row's event and landing time.
    static func time(_ test: TestDatabase, _ seq: Int64) -> SQLValue {
        .text(test.database.dialect.timestampLiteral(UTCTime.format(UTCTime.seconds(year: 2026, month: 1, day: 10) + seq * 60)))
    }

    /// The clock for `freshness`: an hour after the clean data's last landing.
    static let now = Date(timeIntervalSince1970: TimeInterval(UTCTime.seconds(year: 2026, month: 1, day: 10) + 20 * 60 + 3_600))

    static let graphColumns = ["segment_id", "canonical_segment_id", "triggering_event_type", "triggering_event_id", "timestamp", "uuid_ts", "seq"]
    static let externalColumns = ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"]
    static let traitColumns = ["id", "segment_id", "timestamp", "uuid_ts", "seq", "email", "plan"]

    /// Clean data: b merged into a; c on its own; correct hashes; traits only before merges.
    struct Data {
        var graph: [(String, String, Int64)] = [("a", "a", 1), ("b", "b", 2), ("b", "a", 3), ("c", "c", 4)]
        var external: [(String, String, String, Int64)] = [
            ("a", "anonymous_id", "anon-a", 1), ("b", "anonymous_id", "anon-b", 2), ("c", "anonymous_id", "anon-c", 4),
            ("a", "email", "ann@example.com", 5), ("c", "email", "cy@example.com", 6), ("a", "user_id", "u1", 7),
        ]
        var traits: [(String, Int64, String?, String?)] = [("a", 5, "ann@example.com", "pro"), ("b", 2, nil, "free"), ("c", 20, "cy@example.com", nil)]
        /// Hash overrides by external row index.
        var hashes: [Int: String] = [:]
    }

    func load(_ test: TestDatabase, _ data: Data = Data()) throws {
        try test.createRaw(TableName.idGraphUpdates, columns: Self.graphColumns, rows: data.graph.map { segment, canonical, seq in
            [.text(segment), .text(canonical), "identify", .text("e\(seq)"), Self.time(test, seq), Self.time(test, seq), .integer(seq)]
        })
        try test.createRaw(TableName.externalIDMappingUpdates, columns: Self.externalColumns, rows: data.external.enumerated().map { index, row in
            let (segment, type, value, seq) = row
            return [.text("x\(index)"), .text(segment), .text(type), .text(value), .text(data.hashes[index] ?? SHA1Hex.digest(type + value)),
                    Self.time(test, seq), Self.time(test, seq), .integer(seq)]
        })
        try test.createRaw(TableName.profileTraitsUpdates, columns: Self.traitColumns, rows: data.traits.enumerated().map { index, row in
            let (segment, seq, email, plan) = row
            return [.text("t\(index)"), .text(segment), Self.time(test, seq), Self.time(test, seq), .integer(seq),
                    email.map(SQLValue.text) ?? .null, plan.map(SQLValue.text) ?? .null]
        })
        _ = try test.materialize()
    }

    func run(_ test: TestDatabase, _ id: String, configuration: Configuration? = nil, now: Date = CheckSuiteTests.now) throws -> CheckResult {
        let run = try test.check(configuration ?? Configuration(baseDirectory: URL(fileURLWithPath: "/nonexistent")), now: now, selection: [id])
        return try run.result(id)
    }

    func configured(_ yaml: String) throws -> Configuration {
        try Configuration.parse(yaml, file: "idhealth.yml", baseDirectory: URL(fileURLWithPath: "/nonexistent"))
    }

    @Test("clean data passes every check", arguments: TestDatabase.engines)
    func clean(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            let run = try test.check(now: Self.now)
            #expect(run.results.count == 11)
            for result in run.results {
                #expect(result.status == .pass, "\(result.id): \(result.message ?? "")")
            }
            #expect(try run.result("freshness").value == 1)
        }
    }

    @Test("merged_profile_traits: traits after the merge, and tombstones that kept traits", arguments: TestDatabase.engines)
    func mergedProfileTraits(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.traits += [("b", 9, nil, "pro"), ("b", 10, nil, nil)]  // a trait after the merge; an all-NULL row does not count
            try load(test, data)
            var result = try run(test, "merged_profile_traits")
            #expect(result.status == .fail)
            #expect(result.value == 1)
            #expect(result.details["by_kind"]?["raw_history"] == .integer(1))
            #expect(result.samples.first?[0] == .text("b"))
            #expect(result.samples.first?[3] == .integer(1))  // the all-NULL row carries nothing

            // A tombstone that kept its traits (as other tools' tables can): the same profile
            // counts once; another one adds one.
            let d = test.database.dialect
            try test.database.execute("UPDATE \(table: QualifiedName(test.schemas.target, TableName.profileTraits)) SET plan = 'pro' WHERE canonical_segment_id = 'b'")
            result = try run(test, "merged_profile_traits")
            #expect(result.value == 1)
            #expect(result.details["by_kind"]?["materialized_tombstone"] == .integer(1))
            try test.database.execute("UPDATE \(table: QualifiedName(test.schemas.target, TableName.profileTraits)) SET merged_to = 'a', email = 'x@y.z' WHERE canonical_segment_id = 'c'")
            result = try run(test, "merged_profile_traits")
            #expect(result.value == 2)
            #expect(result.details["live_profiles_without_traits"] == .integer(0))
        }
    }

    @Test("external_id_collisions: a unique id on two live profiles", arguments: TestDatabase.engines)
    func collisions(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.external += [("c", "email", "ann@example.com", 8), ("b", "email", "ann@example.com", 9), ("c", "anonymous_id", "anon-a", 10)]
            try load(test, data)
            var result = try run(test, "external_id_collisions")
            #expect(result.status == .warn)
            #expect(result.value == 1)  // b merged into a: only a and c hold it
            #expect(result.samples.first?.prefix(4).map(\.stringValue) == ["email", "a***@example.com", "2", "3"])
            result = try run(test, "external_id_collisions", configuration: configured("checks:\n  external_id_collisions:\n    unique_id_types: [anonymous_id]\n    fail: \"> 0\"\n"))
            #expect(result.status == .fail)
            #expect(result.details["by_type"]?["anonymous_id"] == .integer(1))
        }
    }

    @Test("identifier_limits: per-type limits and the default", arguments: TestDatabase.engines)
    func identifierLimits(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.external += [("b", "user_id", "u2", 8)]  // b is merged into a: a holds u1 and u2
            data.external += (0..<6).map { ("c", "phone", "+1555000\($0)", Int64(10 + $0)) }
            try load(test, data)
            var result = try run(test, "identifier_limits")
            #expect(result.status == .warn)
            #expect(result.value == 2)
            #expect(result.samples.map { $0.prefix(4).map(\.stringValue) } == [["a", "user_id", "2", "1"], ["c", "phone", "6", "5"]])
            result = try run(test, "identifier_limits", configuration: configured("checks:\n  identifier_limits:\n    limits: {user_id: 2}\n    default_limit: 6\n"))
            #expect(result.status == .pass)
            #expect(result.value == 0)
        }
    }

    @Test("blocked_values: junk on one segment_id warns, on two fails; patterns and extras", arguments: TestDatabase.engines)
    func blockedValues(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.external += [("c", "user_id", " NULL ", 8)]
            try load(test, data)
            let result = try run(test, "blocked_values")
            #expect(result.status == .warn)
            #expect(result.value == 1)
            #expect(result.samples.first?[1] == .text(" NULL "))  // junk is shown as it is
        }
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.external += [("a", "user_id", "-1", 8), ("c", "user_id", "-1", 9), ("b", "email", "0000-000", 10),
                              ("c", "email", "", 11), ("c", "email", "dummy@corp.test", 12)]
            try load(test, data)
            var result = try run(test, "blocked_values")
            #expect(result.status == .fail)
            #expect(result.value == 3)
            #expect(result.samples.first?.prefix(4).map(\.stringValue) == ["user_id", "-1", "2", "2"])
            result = try run(test, "blocked_values", configuration: configured("checks:\n  blocked_values:\n    extra_patterns: [\"^dummy@\"]\n    fail_segment_ids: 3\n"))
            #expect(result.value == 4)
            #expect(result.status == .warn)
        }
    }

    @Test("external_id_hash: wrong and upper-case hashes", arguments: TestDatabase.engines)
    func externalIDHash(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.hashes = [0: SHA1Hex.digest("anon-a"), 3: SHA1Hex.digest("emailann@example.com").uppercased()]
            try load(test, data)
            let result = try run(test, "external_id_hash")
            #expect(result.status == .fail)
            #expect(result.value == 2)
            let expected = try #require(result.sampleColumns.firstIndex(of: "expected_hash"))
            #expect(Set(result.samples.compactMap { $0[expected].stringValue }) == [SHA1Hex.digest("anonymous_idanon-a"), SHA1Hex.digest("emailann@example.com")])
        }
    }

    @Test("external_id_hash without pgcrypto is skipped with the way to enable it")
    func externalIDHashWithoutPgcrypto() throws {
        let url = try #require(ProcessInfo.processInfo.environment["IDHEALTH_TEST_POSTGRES_NOCRYPTO"], "run the tests with scripts/test.sh")
        let database = try PostgresDatabase(conninfo: url)
        #expect(try database.sha1Support().hex("x") == nil)
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try database.execute("CREATE SCHEMA \(ident: schema)")
        defer { _ = try? database.execute("DROP SCHEMA \(ident: schema) CASCADE") }
        let test = TestDatabase(database: database, schemas: Schemas(source: schema, target: schema), location: url, directory: URL(fileURLWithPath: "/tmp"))
        try load(test)
        let result = try run(test, "external_id_hash")
        #expect(result.status == .skipped)
        #expect(result.message?.contains("CREATE EXTENSION pgcrypto") == true)
    }

    @Test("duplicate_rows: extra rows per key; a table without its key is left out", arguments: TestDatabase.engines)
    func duplicateRows(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            data.graph += [("c", "c", 4), ("c", "c", 4)]
            try load(test, data)
            let d = test.database.dialect
            try test.database.execute("INSERT INTO \(table: QualifiedName(test.schemas.source, TableName.externalIDMappingUpdates)) SELECT * FROM \(table: QualifiedName(test.schemas.source, TableName.externalIDMappingUpdates)) WHERE id = 'x0'")
            var result = try run(test, "duplicate_rows")
            #expect(result.status == .warn)
            #expect(result.value == 3)
            #expect(result.details["by_table"]?["id_graph_updates"] == .integer(2))
            #expect(result.details["by_table"]?["external_id_mapping_updates"] == .integer(1))
            try test.database.execute("ALTER TABLE \(table: QualifiedName(test.schemas.source, TableName.profileTraitsUpdates)) RENAME COLUMN id TO trait_row_id")
            result = try run(test, "duplicate_rows")
            #expect(result.value == 3)
            #expect(result.message?.contains("not checked: profile_traits_updates (no id column)") == true)
        }
    }

    @Test("freshness: stale tables and tables landing apart", arguments: TestDatabase.engines)
    func freshness(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            var result = try run(test, "freshness", now: Self.now.addingTimeInterval(29 * 3_600))
            #expect(result.status == .warn)
            #expect(result.value == 30)
            #expect(result.details["hours_since_last_landed"]?["profile_traits_updates"] == .number(30))
            // The traits table lags the others by 5 hours: more than etl_overlap (2).
            try test.database.execute("UPDATE \(table: QualifiedName(test.schemas.source, TableName.idGraphUpdates)) SET uuid_ts = \(sql: .timestamp(bind: UTCTime.format(UTCTime.seconds(year: 2026, month: 1, day: 10) + 20 * 60 + 5 * 3_600)))")
            result = try run(test, "freshness", now: Self.now.addingTimeInterval(5 * 3_600))
            #expect(result.status == .warn)
            #expect(result.message?.contains("landed 5.2 hours apart, more than etl_overlap (2.0)") == true, "\(result.message ?? "")")
            result = try run(test, "freshness", configuration: configured("materialization: {etl_overlap: 6}"), now: Self.now.addingTimeInterval(5 * 3_600))
            #expect(result.status == .pass)
        }
    }

    @Test("freshness judges the exact hours: 95.6 crosses > 95; reports show one decimal", arguments: TestDatabase.engines)
    func freshnessExactHours(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            // id_graph_updates, the stalest table, last landed at seq 4 (minute 4): 95.6 hours on.
            let stale = Date(timeIntervalSince1970: TimeInterval(UTCTime.seconds(year: 2026, month: 1, day: 10) + 4 * 60) + 95.6 * 3_600)
            var result = try run(test, "freshness", configuration: configured("checks: {freshness: {warn: \"> 95\"}}"), now: stale)
            #expect(result.status == .warn, "\(result.message ?? "")")
            #expect(result.value == 95)
            #expect(result.valueText == "95.6 h")
            #expect(result.details["stalest_hours"] == .number(95.6))
            #expect(result.message == "the stalest raw table last landed 95.6 hours ago")
            result = try run(test, "freshness", configuration: configured("checks: {freshness: {warn: \"> 95.7\"}}"), now: stale)
            #expect(result.status == .pass)
        }
    }

    @Test("materialization_drift: edited tables drift; the dbt package's empty merged_to does not", arguments: TestDatabase.engines)
    func drift(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test)
            let d = test.database.dialect
            let profiles = QualifiedName(test.schemas.target, TableName.profileTraits)
            try test.database.execute("UPDATE \(table: profiles) SET merged_to = '' WHERE merged_to IS NULL")
            var result = try run(test, "materialization_drift")
            #expect(result.status == .pass)
            try test.database.execute("UPDATE \(table: QualifiedName(test.schemas.target, TableName.idGraph)) SET canonical_segment_id = 'c' WHERE segment_id = 'b'")
            try test.database.execute("DELETE FROM \(table: profiles) WHERE canonical_segment_id = 'c'")
            result = try run(test, "materialization_drift")
            #expect(result.status == .fail)
            #expect(result.value == 2)
            #expect(result.samples.map { $0.map(\.stringValue) } == [["id_graph", "b"], ["profile_traits", "c"]])
            for table in TableName.materializedTables {
                #expect(try !test.database.tableExists(QualifiedName(test.schemas.target, "idhealth_drift_" + table)))
            }
        }
    }

    @Test("merge_rate_anomaly: a day far above its trailing baseline", arguments: TestDatabase.engines)
    func mergeRate(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            var data = Data()
            let day: Int64 = 24 * 60
            var seq: Int64 = 100
            for index in 0..<20 {  // two merges a day for 20 days
                for merge in 0..<2 {
                    let id = "d\(index)_\(merge)"
                    data.graph += [(id, id, Int64(index) * day + seq), (id, "a", Int64(index) * day + seq + 1)]
                    seq += 2
                }
            }
            for merge in 0..<60 {  // then 60 in one day
                data.graph += [("s\(merge)", "s\(merge)", 20 * day + 100 + Int64(merge) * 2), ("s\(merge)", "c", 20 * day + 101 + Int64(merge) * 2)]
            }
            try load(test, data)
            var result = try run(test, "merge_rate_anomaly")
            #expect(result.status == .warn)
            #expect(result.value == 1)
            #expect(result.samples.first?[0] == .text("2026-01-30"))
            #expect(result.samples.first?[1] == .integer(60))
            result = try run(test, "merge_rate_anomaly", configuration: configured("checks:\n  merge_rate_anomaly: {min_merges: 61}\n"))
            #expect(result.value == 0)
        }
    }
}
