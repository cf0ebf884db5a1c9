import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// The worked example of Segment's "Profiles Sync Tables and Materialized Views" page:
/// profile_2 merges into profile_1. Its expected tables are the page's own.
@Suite("Golden: Segment's profile_1 / profile_2 case study")
struct GoldenCaseStudyTests {
    let fixture: MarkdownFixture

    init() throws {
        fixture = try MarkdownFixture(named: "segment-docs-case-study")
    }

    func table(_ name: String) throws -> MarkdownFixture.Table {
        try #require(fixture.tables[name], "fixture has no table \(name)")
    }

    /// Loads the three raw tables as the fixture gives them (`uuid_ts` = `timestamp`).
    func load(into test: TestDatabase) throws {
        let d = test.database.dialect
        for name in TableName.rawTables {
            let raw = try table("Raw: \(name)")
            var columns = raw.columns
            if !columns.contains("uuid_ts") { columns.append("uuid_ts") }
            let rows: [[SQLValue]] = raw.rows.map { row in
                columns.map { column in
                    let text = raw.value(row, column == "uuid_ts" ? "timestamp" : column)
                    guard let text else { return .null }
                    if column == "seq" { return .integer(Int64(text)!) }
                    if column == "timestamp" || column == "uuid_ts" { return .text(d.timestampLiteral(text)) }
                    return .text(text)
                }
            }
            try test.createRaw(name, columns: columns, rows: rows)
        }
    }

    /// Rows of a materialized table as text, timestamps in `YYYY-MM-DD HH:MM:SS`, sorted.
    func materialized(_ test: TestDatabase, _ table: String, columns: [String]) throws -> [[String?]] {
        let list = columns.map { $0 == "timestamp" ? "\(sql: .timestampText(.identifier($0))) AS ts" : SQL.identifier($0) }.joined(separator: ", ")
        return try test.database.rows("SELECT \(sql: list) FROM \(table: QualifiedName(test.schemas.target, table))")
            .map { $0.values.map(\.stringValue) }
            .sorted { $0.map { $0 ?? "" }.lexicographicallyPrecedes($1.map { $0 ?? "" }) }
    }

    func expected(_ name: String, columns: [String]) throws -> [[String?]] {
        let table = try table("Expected: \(name)")
        return table.rows.map { row in columns.map { table.value(row, $0) } }
            .sorted { $0.map { $0 ?? "" }.lexicographicallyPrecedes($1.map { $0 ?? "" }) }
    }

    @Test("the fixture's hashes are SHA-1 of type || value")
    func hashes() throws {
        let raw = try table("Raw: external_id_mapping_updates")
        #expect(raw.rows.count == 3)
        for row in raw.rows {
            #expect(Emission.hash(type: raw.value(row, "external_id_type")!, value: raw.value(row, "external_id_value")!) == raw.value(row, "external_id_hash"))
        }
    }

    @Test("materialized tables equal the page's tables", arguments: TestDatabase.placesAndWarehouses)
    func tables(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            try load(into: test)
            let summary = try test.materialize()
            #expect(summary.traitColumns == ["email"])

            let graphColumns = ["segment_id", "canonical_segment_id", "timestamp"]
            #expect(try materialized(test, TableName.idGraph, columns: graphColumns) == expected("id_graph", columns: graphColumns))

            let mappingColumns = ["canonical_segment_id", "external_id_type", "external_id_value", "timestamp"]
            #expect(try materialized(test, TableName.externalIDMapping, columns: mappingColumns) == expected("external_id_mapping", columns: mappingColumns))

            let traitColumns = ["canonical_segment_id", "email", "merged_to"]
            #expect(try materialized(test, TableName.profileTraits, columns: traitColumns) == expected("profile_traits", columns: traitColumns))
        }
    }

    @Test("the checks pass on the case study", arguments: TestDatabase.placesAndWarehouses)
    func checks(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            try load(into: test)
            _ = try test.materialize()
            let run = try test.check()
            let chains = try run.result("merge_chains")
            #expect(chains.status == .pass)
            #expect(chains.value == 0)
            let fanIn = try run.result("merge_fan_in")
            #expect(fanIn.status == .pass)
            #expect(fanIn.value == 0)
            #expect(fanIn.details["distribution"]?["max"] == .integer(2))
            #expect(run.graph?.segmentIDs == 2)
            #expect(run.graph?.profiles == 1)
            #expect(run.graph?.mergedAway == 1)
            #expect(run.graph?.externalIDsByType == ["anonymous_id": 2, "email": 1])
            for result in run.results {
                #expect(result.status == .pass || result.id == "freshness", "\(result.id): \(result.message ?? "")")
            }
            #expect(run.exitStatus() == 0)
        }
    }
}
