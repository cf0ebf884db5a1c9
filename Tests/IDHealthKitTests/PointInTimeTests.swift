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
    }
}
