import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize

/// `materialize --as-of`: the state the raw history described at a moment equals a full
/// materialization of only the rows landed by then.
@Suite("Point in time")
struct PointInTimeTests {
    @Test("as of several cut points, the graph equals a rebuild of the rows landed by then", arguments: [Dialect.Engine.sqlite, .postgres])
    func asOfEqualsRebuildOfLandedRows(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            _ = try ProfilesSyncGenerator(profiles: 600, seed: 5, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            let graph = QualifiedName(test.schemas.source, TableName.idGraphUpdates)
            let total = try test.database.scalar("SELECT COUNT(*) FROM \(table: graph)").intValue ?? 0
            for fraction in [0.25, 0.6, 0.95] {
                let offset = Int64(Double(total) * (1 - fraction))
                let cut = try #require(try test.database.scalar("""
                    SELECT \(sql: .timestampText("uuid_ts")) FROM \(table: graph) ORDER BY uuid_ts DESC LIMIT 1 OFFSET \(unsafeRaw: String(offset))
                    """).stringValue)
                let name = "p\(Int(fraction * 100))"
                // The rows landed by then, copied, then materialized as usual.
                let landed = try test.extraSchema(name + "_raw"), expected = try test.extraSchema(name + "_want"), actual = try test.extraSchema(name + "_got")
                for table in TableName.rawTables {
                    try test.database.execute("""
                        CREATE TABLE \(table: QualifiedName(landed, table)) AS
                        SELECT * FROM \(table: QualifiedName(test.schemas.source, table)) WHERE uuid_ts <= \(sql: .timestamp(literal: cut))
                        """)
                }
                _ = try Materializer(database: test.database, schemas: Schemas(source: landed, target: expected)).run(mode: .table)
                let asOf = try #require(PointInTime.parse(cut))
                let source = try asOf.viewRawTables(of: test.schemas.source, on: test.database)
                _ = try Materializer(database: test.database, schemas: Schemas(source: source, target: actual)).run(mode: .table)
                try test.expectSameTables(actual, as: expected, "as of \(cut)")
                let rows = try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(actual, TableName.idGraph))").intValue ?? 0
                #expect(rows > 0, "as of \(cut) there is a graph")
            }
        }
    }

    @Test("cutoffs are read in UTC whatever their form; what is not a time is nil")
    func parsing() {
        #expect(PointInTime.parse("2022-06-22 10:47:59")?.cutoff == "2022-06-22 10:47:59")
        #expect(PointInTime.parse("2022-06-22T10:47:59Z")?.cutoff == "2022-06-22 10:47:59")
        #expect(PointInTime.parse("2022-06-22T12:47:59+02:00")?.cutoff == "2022-06-22 10:47:59")
        #expect(PointInTime.parse("2022-06-22")?.cutoff == "2022-06-22 00:00:00")
        #expect(PointInTime.parse("yesterday") == nil)
        #expect(PointInTime.parse("2022-13-40 99:00:00") == nil)
        // Fractions of a second are a time; trailing zeros say nothing.
        #expect(PointInTime.parse("2024-05-18 04:07:00.250")?.cutoff == "2024-05-18 04:07:00.25")
        #expect(PointInTime.parse("2024-05-18T04:07:00.000000Z")?.cutoff == "2024-05-18 04:07:00")
        #expect(PointInTime.parse("2024-05-18T06:07:00.5+02:00")?.cutoff == "2024-05-18 04:07:00.5")
        #expect(PointInTime.parse("2024-05-18T04:07:00-0330")?.cutoff == "2024-05-18 07:37:00")
        // What a lenient reader rolls over into another moment is not a time.
        for wrong in ["2024-05-18T04:07:00+25:00", "2024-05-18T04:07:00+99:00", "2024-05-18T04:07:00+02:75", "2026-11-31",
                      "2025-02-29 00:00:00", "2024-05-18 24:00:00", "2024-05-18 04:60:00", "2024-05-18 04:07:00.1234567"] {
            #expect(PointInTime.parse(wrong) == nil, "\(wrong)")
        }
        #expect(PointInTime.parse("2024-02-29")?.cutoff == "2024-02-29 00:00:00", "a leap day")
        #expect(PointInTime.date(of: "2024-05-18 04:07:00.5")?.timeIntervalSince1970 == 1_716_005_220.5)
    }

    @Test("a row landed exactly at the as-of instant counts, however many zeros its time has (SQLite keeps times as text)", arguments: [Dialect.Engine.sqlite, .postgres])
    func rowAtTheInstant(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try test.createRaw(TableName.idGraphUpdates, columns: TestDatabase.graphColumns, rows: [
                ["a", "a", "identify", "e1", "2024-05-18 04:06:00", "2024-05-18 04:06:00", .integer(1)],
                ["b", "a", "identify", "e2", "2024-05-18 04:07:00.000000", "2024-05-18 04:07:00.000000", .integer(2)],
                ["c", "a", "identify", "e3", "2024-05-18 04:07:00.500000", "2024-05-18 04:07:00.500000", .integer(3)],
            ])
            try test.createEmptyExternalAndTraits()
            let counted = { (cut: String) -> Int64? in
                let point = try #require(PointInTime.parse(cut))
                let source = try point.viewRawTables(of: test.schemas.source, on: test.database)
                return try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(source, TableName.idGraphUpdates))").intValue
            }
            #expect(try counted("2024-05-18 04:07:00") == 2, "b landed at the instant")
            #expect(try counted("2024-05-18T04:07:00.4Z") == 2)
            #expect(try counted("2024-05-18 04:07:00.5") == 3)
        }
    }
}
