import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// A trait may have any name a warehouse allows, including every alias and column name
/// idhealth's own SQL uses: none of them may share a namespace with a user's column.
@Suite("Trait names")
struct TraitNameTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every alias and column name in the materialization's and the checks' SQL (`AS name`,
    /// `x.name`, single-letter table aliases), as a trait name.
    static let internalNames: [String] = {
        var names: Set<String> = []
        let patterns = [#"\bAS "?([a-z_][a-z0-9_]*)"?"#, #"\b([a-z])\.[a-z"]"#, #"\b[a-z]\.([a-z_][a-z0-9_]*)\b"#, #"CREATE TABLE [^ ]+ \(([a-z_]+)"#]
        var texts: [String] = []
        for folder in ["Sources/IDHealthMaterialize", "Sources/IDHealthChecks", "checks"] {
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                if ["swift", "sql"].contains(url.pathExtension) { texts.append((try? String(contentsOf: url, encoding: .utf8)) ?? "") }
            }
        }
        for text in texts {
            for pattern in patterns {
                let expression = try! NSRegularExpression(pattern: pattern)
                for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    names.insert(String(text[Range(match.range(at: 1), in: text)!]))
                }
            }
        }
        names.formUnion(["rn", "snapshots", "canonical", "rows_read", "etl_ts"])
        // Names that are never traits by definition (docs/semantics.md, "profile_traits").
        return names.filter { TableName.isTraitColumn($0, in: .sqlite) }.sorted()
    }()

    /// The names as traits of `profile_traits_updates`, with a value each row can be told by.
    func load(_ test: TestDatabase, traits: [String]) throws {
        try test.createGraph([("a", "a", 1), ("b", "b", 2), ("c", "c", 3), ("b", "a", 5)])
        try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
        let columns = ["id", "segment_id", "timestamp", "uuid_ts", "seq"] + traits
        func snapshot(_ segment: String, _ seq: Int64, nullEven: Bool = false) -> [SQLValue] {
            [.text("t\(seq)"), .text(segment), test.time(seq), test.time(seq), .integer(seq)]
                + traits.enumerated().map { index, name in nullEven && index % 2 == 0 ? .null : .text("\(segment)\(seq)-\(name)") }
        }
        try test.createRaw(TableName.profileTraitsUpdates, columns: columns,
                           rows: [snapshot("a", 1), snapshot("b", 2), snapshot("c", 3), snapshot("a", 6, nullEven: true), snapshot("d", 7)])
    }

    func profiles(_ test: TestDatabase, _ traits: [String]) throws -> [[SQLValue]] {
        let list = (["canonical_segment_id", "merged_to"] + traits).map(SQL.identifier).joined(separator: ", ")
        return try test.database.rows("SELECT \(sql: list) FROM \(table: test.schemas.target(TableName.profileTraits)) ORDER BY canonical_segment_id").map(\.values)
    }

    @Test("every internal alias and column name as a trait materializes correctly, full and incremental", arguments: TestDatabase.engines)
    func internalNamesAsTraits(engine: Dialect.Engine) throws {
        let names = Self.internalNames.filter { $0 != "etl_ts" }
        #expect(names.count > 30, "found \(names.count) internal names")
        #expect(names.contains("rn") && names.contains("snapshots") && names.contains("canonical"))
        try TestDatabase.with(engine) { test in
            try load(test, traits: names)
            let summary = try Materializer(database: test.database, schemas: test.schemas, etlOverlapHours: 0).run(mode: .incremental)
            #expect(summary.traitColumns == names)
            func value(_ segment: String, _ seq: Int64, _ name: String) -> SQLValue { .text("\(segment)\(seq)-\(name)") }
            let expected: [[SQLValue]] = [
                // a's latest snapshot (seq 6) leaves every other trait NULL: those come from b's.
                [.text("a"), .null] + names.enumerated().map { index, name in index % 2 == 0 ? value("b", 2, name) : value("a", 6, name) },
                [.text("b"), .text("a")] + names.map { _ in .null },
                [.text("c"), .null] + names.map { value("c", 3, $0) },
                [.text("d"), .null] + names.map { value("d", 7, $0) },
            ]
            #expect(try profiles(test, names) == expected)

            // c merges into a and sends a snapshot: an incremental run, then a full rebuild.
            try test.insertGraph([("c", "a", 8)])
            try test.insertRaw(TableName.profileTraitsUpdates, columns: ["id", "segment_id", "timestamp", "uuid_ts", "seq"] + names,
                               rows: [[.text("t9"), "c", test.time(9), test.time(9), .integer(9)] + names.map { value("c", 9, $0) }])
            let incremental = try Materializer(database: test.database, schemas: test.schemas, etlOverlapHours: 0).run(mode: .incremental)
            #expect(incremental.incremental)
            let afterIncremental = try profiles(test, names)
            #expect(afterIncremental[0] == [.text("a"), .null] + names.map { value("c", 9, $0) })
            #expect(afterIncremental[2] == [.text("c"), .text("a")] + names.map { _ in .null })
            let run = try test.check(selection: ["materialization_drift", "merged_profile_traits"])
            let drift = try run.result("materialization_drift")
            #expect(drift.status == .pass, "\(drift.message ?? "")")
            #expect(try run.result("merged_profile_traits").value == 1, "c sent traits after merging away")
            _ = try Materializer(database: test.database, schemas: test.schemas).run(mode: .table)
            #expect(try profiles(test, names) == afterIncremental)
        }
    }

    @Test("a trait named like a column profile_traits itself holds is left out, and said so", arguments: TestDatabase.engines)
    func ownColumnNames(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try load(test, traits: ["plan", "etl_ts"])
            let summary = try test.materialize()
            #expect(summary.traitColumns == ["plan"])
            #expect(summary.columnsNotTraits == ["etl_ts"])
            let row = try #require(try test.database.firstRow("SELECT plan, etl_ts FROM \(table: test.schemas.target(TableName.profileTraits)) WHERE canonical_segment_id = 'c'"))
            #expect(row[0] == .text("c3-plan"))
            #expect(row[1].stringValue?.hasPrefix("20") == true, "etl_ts is when idhealth wrote the row: \(row[1])")
        }
    }

    @Test("PostgreSQL: \"SEQ\", \"Segment_Id\" and the like are columns of their own there, so they are traits, kept with their values; where names ignore case they are the bookkeeping columns")
    func caseDistinctNames() throws {
        let names = ["SEQ", "Segment_Id", "Merged_To", "UUID_TS", "Context_Page", "ETL_TS"]
        try TestDatabase.with(.postgres) { test in
            try load(test, traits: names)
            let summary = try test.materialize()
            #expect(summary.traitColumns == names, "none dropped")
            #expect(summary.columnsNotTraits.isEmpty)
            let profiles = try profiles(test, names)
            #expect(profiles.first { $0.first == .text("c") } == [.text("c"), .null] + names.map { .text("c3-\($0)") })
            // explain lists them as the profile's traits.
            let traits = try Explanation.traits(of: "c", database: test.database, schemas: test.schemas, masker: Masker(showValues: true), traitNulls: .keepLastValue)
            #expect(traits.map(\.name) == names)
        }
        for name in ["SEQ", "Segment_Id", "Context_Page", "ETL_TS"] {
            #expect(!TableName.isTraitColumn(name, in: .sqlite), "\(name) on SQLite")
        }
        #expect(TableName.clashesWithOwnColumn("ETL_TS", in: .sqlite) && !TableName.clashesWithOwnColumn("ETL_TS", in: .postgres))
    }
}
