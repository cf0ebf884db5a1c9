import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// The run log, schema-adaptive trait columns, and when an incremental run rebuilds instead.
@Suite("Materialization modes and bookkeeping")
struct MaterializationModeTests {
    @Test("a request runs in the mode asked for, else the configured one; as of a moment in table mode, and another mode asked for with it is exit 2")
    func requestModes() throws {
        var configuration = Configuration()
        configuration.mode = .view
        #expect(try MaterializationRequest().resolvedMode(configuration) == .view)
        #expect(try MaterializationRequest(mode: .incremental).resolvedMode(configuration) == .incremental)
        let point = try #require(PointInTime.parse("2024-05-18 04:07:00", field: .uuidTS))
        #expect(try MaterializationRequest(asOf: point).resolvedMode(configuration) == .table)
        #expect(throws: ConfigError.self) { try MaterializationRequest(mode: .view, asOf: point).resolvedMode(configuration) }
    }

    static let traitColumns = ["id", "segment_id", "timestamp", "uuid_ts", "seq", "email", "score"]

    /// b merged into a; c alone; an external id on b; traits for a and c. Times follow seq.
    static func seed(_ test: TestDatabase) throws {
        let d = test.database.dialect
        try test.createGraph([("a", "a", 1), ("b", "b", 2), ("b", "a", 3), ("c", "c", 4)])
        try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [
            ["e1", "b", "email", "b@x.com", "h1", test.time(5), test.time(5), 5],
        ])
        try test.database.execute("CREATE TABLE \(table: QualifiedName(test.schemas.source, TableName.profileTraitsUpdates)) (id \(type: .text), segment_id \(type: .text), \(ident: "timestamp") \(type: .timestamp), uuid_ts \(type: .timestamp), seq \(type: .integer), email \(type: .text), score \(type: .real))")
        try test.insertRaw(TableName.profileTraitsUpdates, columns: traitColumns, rows: [
            ["t1", "a", test.time(6), test.time(6), 6, "a@x.com", .real(1.5)],
            ["t2", "c", test.time(7), test.time(7), 7, .null, .real(2)],
        ])
    }

    /// Without an overlap, an incremental run reads exactly the rows landed after the last one.
    func materialize(_ test: TestDatabase, _ mode: MaterializationMode = .incremental, nulls: TraitNulls = .keepLastValue, fullRefresh: Bool = false, overlapHours: Double = 0) throws -> MaterializeSummary {
        try Materializer(database: test.database, schemas: test.schemas, traitNulls: nulls, etlOverlapHours: overlapHours).run(mode: mode, fullRefresh: fullRefresh)
    }

    func runs(_ test: TestDatabase) throws -> [Row] {
        let d = test.database.dialect
        let highWater = TableName.rawTables.map { "\(sql: .timestampText(.identifier(RunLog.highWaterColumn($0)))) AS \(ident: "hw_" + $0)" as SQL }.joined(separator: ", ")
        return try test.database.rows("SELECT r.*, \(sql: highWater) FROM \(table: QualifiedName(test.schemas.target, TableName.runs)) r ORDER BY run_number")
    }

    @Test("idhealth_runs records mode, reason, rows read and written, deletions, high-water marks and version", arguments: TestDatabase.engines)
    func runLog(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try Self.seed(test)
            let first = try materialize(test)
            #expect(first.fullRefreshReason?.hasPrefix("first run") == true)
            // c merges into a; b's row is deleted upstream (so b dangles nowhere: it is gone).
            try test.insertGraph([("c", "a", 8)])
            try test.database.execute("DELETE FROM \(table: QualifiedName(test.schemas.source, TableName.idGraphUpdates)) WHERE segment_id = 'b'")
            let second = try materialize(test)
            #expect(second.incremental)
            #expect(second.rowsRead[TableName.idGraphUpdates] == 1)
            #expect(second.rowsRead[TableName.profileTraitsUpdates] == 0)
            // With the default two-hour overlap, the rows of the minutes before are read again.
            try test.insertGraph([("d", "d", 10)])
            #expect(try materialize(test, overlapHours: 2).rowsRead[TableName.idGraphUpdates] == 4, "a, c, c→a and d")
            #expect(second.rowsWritten[TableName.idGraph] == 2, "a and c re-resolved")
            #expect(second.rowsDeleted[TableName.idGraph] == 1, "b")
            #expect(second.tableRows[TableName.idGraph] == 2)
            #expect(try test.canonicals() == ["a": "a", "c": "a", "d": "d"])

            let log = try runs(test)
            #expect(log.count == 3)
            #expect(log.map { $0["run_number"] } == [.integer(1), .integer(2), .integer(3)])
            #expect(log.map { $0["mode"] } == [.text("incremental"), .text("incremental"), .text("incremental")])
            #expect(log.map { $0["status"] } == [.text("succeeded"), .text("succeeded"), .text("succeeded")])
            #expect(log[0]["full_refresh_reason"].stringValue?.hasPrefix("first run") == true)
            #expect(log[1]["full_refresh_reason"] == .null)
            #expect(log[1]["tool_version"] == .text(IDHealthVersion.current))
            #expect(log[1]["trait_nulls"] == .text("keep_last_value"))
            #expect(log[0]["rows_read_id_graph_updates"] == .integer(4))
            #expect(log[1]["rows_read_id_graph_updates"] == .integer(1))
            #expect(log[1]["rows_written_id_graph"] == .integer(2))
            #expect(log[1]["rows_deleted_id_graph"] == .integer(1))
            #expect(log[0]["hw_id_graph_updates"] == .text(UTCTime.format(1_700_000_000 + 4 * 60)))
            #expect(log[1]["hw_id_graph_updates"] == .text(UTCTime.format(1_700_000_000 + 8 * 60)))
            #expect(log[1]["hw_profile_traits_updates"] == .text(UTCTime.format(1_700_000_000 + 7 * 60)))
            #expect(log[1]["run_id"] == .text(second.runID))
            // Each run's settled count (carried forward from the previous one when nothing
            // settled was deleted) is the true count of rows landed before its settled time.
            let d = test.database.dialect
            for run in [2, 3] {
                for table in TableName.rawTables {
                    let settled: SQL = "(SELECT r.\(ident: RunLog.settledBeforeColumn(table)) FROM \(table: QualifiedName(test.schemas.target, TableName.runs)) r WHERE r.run_number = \(bind: .integer(Int64(run))))"
                    let actual = try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(test.schemas.source, table)) u WHERE u.uuid_ts <= \(sql: settled)")
                    #expect(log[run - 1][RunLog.settledRowsColumn(table)] == actual, "run \(run), \(table)")
                }
            }
        }
    }

    /// Recording a mass deletion compares every newly deleted segment_id with the recorded
    /// ones; without an index that was quadratic (46,207 new against 61,665 recorded: 402 s on
    /// PostgreSQL in an incremental run, which plans without hash joins).
    @Test("the record of deleted segment_ids is indexed by segment_id (where there are indexes)", arguments: TestDatabase.engines)
    func deletedSegmentsIndexed(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try Self.seed(test)
            _ = try materialize(test)
            try test.database.execute("DELETE FROM \(table: test.schemas.source(TableName.idGraphUpdates)) WHERE segment_id = 'b'")
            _ = try materialize(test)
            let indexed: SQL = engine == .sqlite
                ? "SELECT COUNT(*) FROM pragma_index_info((SELECT name FROM pragma_index_list(\(bind: .text(TableName.deletedSegments)), \(bind: .text(test.schemas.target)))), \(bind: .text(test.schemas.target))) WHERE name = 'segment_id'"
                : "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = \(bind: .text(test.schemas.target)) AND tablename = \(bind: .text(TableName.deletedSegments)) AND indexdef LIKE '%(segment_id)%'"
            // Redshift has no indexes: none is made there, and the record still works.
            #expect(try test.database.scalar(indexed).intValue == (test.database.dialect.hasIndexes ? 1 : 0))
            #expect(try test.database.scalar("SELECT COUNT(*) FROM \(table: test.schemas.target(TableName.deletedSegments))").intValue == 1)
        }
    }

    @Test("an incremental run rebuilds when it must: --full-refresh, traits.nulls changed, views in place", arguments: TestDatabase.engines)
    func fullRefreshReasons(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            try Self.seed(test)
            _ = try materialize(test)
            #expect(try materialize(test).incremental)
            #expect(try materialize(test, fullRefresh: true).fullRefreshReason == "--full-refresh")
            #expect(try materialize(test, nulls: .propagate).fullRefreshReason == "traits.nulls changed from keep_last_value to propagate")
            // Redshift has no view mode (RedshiftDialectTests: it is refused).
            guard test.database.dialect.hasRecursiveUnion else { return }
            _ = try materialize(test, .view)
            #expect(try test.database.relationKind(QualifiedName(test.schemas.target, TableName.idGraph)) == .view)
            let afterViews = try materialize(test, nulls: .propagate)
            #expect(afterViews.fullRefreshReason == "\(test.schemas.target).id_graph is a view (view mode ran last)")
            #expect(try test.database.relationKind(QualifiedName(test.schemas.target, TableName.idGraph)) == .table)
            #expect(try materialize(test, nulls: .propagate).incremental)
        }
    }

    @Test("a new trait column is added and backfilled; a changed type is an error naming the column", arguments: TestDatabase.engines)
    func traitColumnsAdapt(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let d = test.database.dialect
            let raw = QualifiedName(test.schemas.source, TableName.profileTraitsUpdates)
            try Self.seed(test)
            _ = try materialize(test)
            // A column appears; Segment backfills it on an old row of c, and a new row of a sets it.
            try test.database.execute(d.addColumn(ColumnDefinition("tier", .text), to: raw))
            try test.database.execute("UPDATE \(table: raw) SET tier = 'silver' WHERE segment_id = 'c'")
            try test.insertRaw(TableName.profileTraitsUpdates, columns: Self.traitColumns + ["tier"], rows: [["t3", "b", test.time(9), test.time(9), 9, .null, .null, "gold"]])
            let added = try materialize(test)
            #expect(added.incremental)
            #expect(added.addedTraitColumns == ["tier"])
            let profiles = QualifiedName(test.schemas.target, TableName.profileTraits)
            let tiers = try test.database.rows("SELECT canonical_segment_id, tier, email FROM \(table: profiles) ORDER BY canonical_segment_id").map(\.values)
            #expect(tiers == [[.text("a"), .text("gold"), .text("a@x.com")], [.text("b"), .null, .null], [.text("c"), .text("silver"), .null]])

            // score changes type: nothing is written, the column is named.
            let before = try test.database.rows("SELECT * FROM \(table: profiles) ORDER BY canonical_segment_id").map(\.values)
            switch engine {
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                try test.database.execute("ALTER TABLE \(table: raw) ALTER COLUMN score TYPE TEXT")
            case .sqlite:
                try test.database.execute("ALTER TABLE \(table: raw) RENAME COLUMN score TO score_old")
                try test.database.execute("ALTER TABLE \(table: raw) ADD COLUMN score TEXT")
                try test.database.execute("UPDATE \(table: raw) SET score = CAST(score_old AS TEXT)")
                try test.database.execute("ALTER TABLE \(table: raw) DROP COLUMN score_old")
            }
            let error = #expect(throws: InputError.self) { try materialize(test) }
            #expect(error?.message.contains("column \(test.schemas.source).profile_traits_updates.score changed type from") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("--full-refresh") == true)
            #expect(try test.database.rows("SELECT * FROM \(table: profiles) ORDER BY canonical_segment_id").map(\.values) == before)
            #expect(try runs(test).count == 2)
            // A full refresh rebuilds with the new type.
            #expect(try materialize(test, fullRefresh: true).fullRefreshReason == "--full-refresh")
            #expect(try test.database.scalar("SELECT score FROM \(table: profiles) WHERE canonical_segment_id = 'c'") == .text(engine == .sqlite ? "2.0" : "2"))
        }
    }

    @Test("PostgreSQL: a view of the user's own on id_graph stops a full rebuild (recorded as failed) but not an incremental run")
    func dependentView() throws {
        try TestDatabase.with(.postgres) { test in
            let d = test.database.dialect
            try Self.seed(test)
            _ = try materialize(test)
            let graph = QualifiedName(test.schemas.target, TableName.idGraph)
            try test.database.execute("CREATE VIEW \(table: QualifiedName(test.schemas.target, "my_profiles")) AS SELECT canonical_segment_id, COUNT(*) AS ids FROM \(table: graph) GROUP BY canonical_segment_id")
            let before = try test.canonicals()

            let error = #expect(throws: DatabaseError.self) { try materialize(test, .table) }
            #expect(error?.message.contains("depend") == true, "PostgreSQL's own message: \(error?.message ?? "")")
            #expect(try test.canonicals() == before, "nothing changed")
            let failed = try runs(test).last
            #expect(failed?["status"] == .text("failed"))
            #expect(failed?["mode"] == .text("table"))
            #expect(failed?["message"].stringValue?.contains("depend") == true)

            try test.insertGraph([("c", "a", 8)])
            let incremental = try materialize(test)
            #expect(incremental.incremental, "the failed run is not a base; the one before is")
            #expect(try test.canonicals()["c"] == "a")
            #expect(try test.database.scalar("SELECT ids FROM \(table: QualifiedName(test.schemas.target, "my_profiles")) WHERE canonical_segment_id = 'a'") == .integer(3))
        }
    }

    @Test("view mode on SQLite needs the raw tables' schema, and says so before creating anything")
    func viewModeSchemas() throws {
        try TestDatabase.with(.sqlite) { test in
            try Self.seed(test)
            let elsewhere = Schemas(source: test.schemas.source, target: try test.extraSchema("views"))
            let error = #expect(throws: ConfigError.self) {
                try Materializer(database: test.database, schemas: elsewhere).run(mode: .view)
            }
            #expect(error?.message.contains("view mode on SQLite needs the views beside the raw tables") == true)
            #expect(try test.database.relationKind(QualifiedName(elsewhere.target, TableName.idGraph)) == nil, "nothing created")
        }
    }
}
