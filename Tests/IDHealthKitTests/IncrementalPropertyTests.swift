import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// docs/semantics.md, "The incremental invariant": incremental output must equal a full rebuild of the same data, row for row.
///
/// Random histories land in batches; after every batch an incremental run (into one target
/// schema) is compared with a full rebuild of all the data so far (into another), and the
/// views of `view` mode with both. Compared: every column but `etl_ts` (when a row was last
/// written, which differs by design), every row, ordered by the table's key.
@Suite("Incremental equals a full rebuild")
struct IncrementalPropertyTests {
    static let seeds: [UInt64] = Array(1...8)
    static let batches = 8

    @Test("random histories, incremental after every batch: the same rows as a full rebuild and as the views",
          arguments: TestDatabase.places, TraitNulls.allCases)
    func randomHistories(place: TestDatabase.Place, nulls: TraitNulls) throws {
        try randomHistories(place: place, nulls: nulls, seeds: Self.seeds)
    }

    /// A few seeds on the warehouses' stand-ins, whose statements are slower.
    @Test("random histories on the warehouses' stand-ins (two seeds): the same rows as a full rebuild",
          arguments: [TestDatabase.Place.adbc(.snowflake)], TraitNulls.allCases)
    func randomHistoriesOnWarehouses(place: TestDatabase.Place, nulls: TraitNulls) throws {
        try randomHistories(place: place, nulls: nulls, seeds: Array(Self.seeds.prefix(2)))
    }

    func randomHistories(place: TestDatabase.Place, nulls: TraitNulls, seeds: [UInt64]) throws {
        for seed in seeds {
            try TestDatabase.with(place) { test in
                let harness = try Harness(test: test, nulls: nulls)
                var history = RandomHistory(seed: seed &* 7919 &+ (nulls == .propagate ? 1 : 0), batches: Self.batches)
                for batch in 0..<Self.batches {
                    let plan = history.next(batch: batch)
                    try harness.land(plan)
                    let summary = try harness.materializeBoth()
                    if batch == 0 {
                        #expect(summary.fullRefreshReason != nil, "the first run is a full rebuild")
                    } else {
                        #expect(summary.incremental, "seed \(seed) batch \(batch): \(summary.fullRefreshReason ?? "")")
                    }
                    try harness.expectEqual(harness.incremental, harness.full, "seed \(seed), batch \(batch), \(nulls.rawValue)")
                    // Redshift has no view mode (docs: "Warehouses"); its tables still equal a rebuild.
                    if batch == Self.batches / 2 || batch == Self.batches - 1, test.database.dialect.hasRecursiveUnion {
                        try harness.materializeViews()
                        try harness.expectEqual(harness.views, harness.full, "views: seed \(seed), batch \(batch), \(nulls.rawValue)")
                    }
                }
            }
        }
    }

    @Test("the nasty orders: a merge before its target exists, recursive entries a batch late, a chain, a deletion, a return",
          arguments: TestDatabase.incrementalPlaces)
    func nastyOrders(place: TestDatabase.Place) throws {
        try TestDatabase.with(place) { test in
            let harness = try Harness(test: test, nulls: .keepLastValue)
            var seq: Int64 = 0
            func row(_ segment: String, _ target: String, batch: Int) -> RandomHistory.RawRow {
                seq += 1
                return RandomHistory.RawRow(table: TableName.idGraphUpdates, values: [
                    "segment_id": .text(segment), "canonical_segment_id": .text(target), "seq": .integer(seq),
                    "timestamp": .text(UTCTime.format(RandomHistory.base + seq)), "id": .text("r\(seq)"),
                ], segmentID: segment, landing: batch, uuidTS: RandomHistory.base + Int64(batch) * RandomHistory.batchSeconds + seq)
            }
            func traits(_ segment: String, email: String?, batch: Int) -> RandomHistory.RawRow {
                seq += 1
                return RandomHistory.RawRow(table: TableName.profileTraitsUpdates, values: [
                    "segment_id": .text(segment), "seq": .integer(seq), "email": email.map(SQLValue.text) ?? .null,
                    "timestamp": .text(UTCTime.format(RandomHistory.base + seq)), "id": .text("t\(seq)"),
                ], segmentID: segment, landing: batch, uuidTS: RandomHistory.base + Int64(batch) * RandomHistory.batchSeconds + seq)
            }
            func mapping(_ hash: String, to segment: String, batch: Int) -> RandomHistory.RawRow {
                seq += 1
                return RandomHistory.RawRow(table: TableName.externalIDMappingUpdates, values: [
                    "segment_id": .text(segment), "seq": .integer(seq), "external_id_hash": .text(hash), "external_id_type": "email",
                    "external_id_value": .text(hash + "@x.com"), "timestamp": .text(UTCTime.format(RandomHistory.base + seq)), "id": .text("e\(seq)"),
                ], segmentID: segment, landing: batch, uuidTS: RandomHistory.base + Int64(batch) * RandomHistory.batchSeconds + seq)
            }
            // Batch 0: a and its member m; x merges into b, whose own row has not landed.
            try harness.land(.init(rows: [row("a", "a", batch: 0), row("m", "m", batch: 0), row("m", "a", batch: 0), row("x", "x", batch: 0), row("x", "b", batch: 0),
                                          traits("m", email: "m@x.com", batch: 0), mapping("h1", to: "x", batch: 0)]))
            _ = try harness.materializeBoth()
            #expect(try harness.canonicals(harness.incremental) == ["a": "a", "m": "a", "x": "b"])
            try harness.expectEqual(harness.incremental, harness.full, "batch 0")
            // Batch 1: b lands; a merges into b, but m's recursive entry does not land yet.
            try harness.land(.init(rows: [row("b", "b", batch: 1), row("a", "b", batch: 1), traits("a", email: "a@x.com", batch: 1)]))
            var summary = try harness.materializeBoth()
            #expect(summary.incremental)
            #expect(try harness.canonicals(harness.incremental) == ["a": "b", "b": "b", "m": "b", "x": "b"])
            try harness.expectEqual(harness.incremental, harness.full, "batch 1")
            // Batch 2: b merges elsewhere (c); m's recursive entry to b lands a batch late.
            let late = row("m", "b", batch: 2)
            try harness.land(.init(rows: [row("c", "c", batch: 2), row("b", "c", batch: 2), late, mapping("h1", to: "c", batch: 2)]))
            summary = try harness.materializeBoth()
            #expect(try harness.canonicals(harness.incremental) == ["a": "c", "b": "c", "c": "c", "m": "c", "x": "c"])
            try harness.expectEqual(harness.incremental, harness.full, "batch 2")
            // Batch 3: c is deleted upstream: b, a, x and m now end at a deleted profile.
            try harness.land(.init(rows: [], deletions: ["c"]))
            summary = try harness.materializeBoth()
            #expect(summary.rowsDeleted[TableName.idGraph] == 1)
            #expect(summary.rowsDeleted[TableName.profileTraits] == 0, "c stays a profile: the dangling target of its members")
            #expect(summary.rowsDeleted[TableName.externalIDMapping] == 0, "h1 falls back to its older row")
            let h1 = try test.database.rows("SELECT segment_id, canonical_segment_id FROM \(table: QualifiedName(harness.incremental, TableName.externalIDMapping))")
            #expect(h1.map(\.values) == [[.text("x"), .text("c")]])
            #expect(try harness.canonicals(harness.incremental) == ["a": "c", "b": "c", "m": "c", "x": "c"])
            try harness.expectEqual(harness.incremental, harness.full, "batch 3")
            let live = try test.database.rows("SELECT merged_to, email FROM \(table: QualifiedName(harness.incremental, TableName.profileTraits)) WHERE canonical_segment_id = 'c'")
            #expect(live.map(\.values) == [[.null, .text("a@x.com")]], "the dangling profile keeps its members' traits")
            // The chains now end at a deleted profile: reported as such, not as corruption.
            for schema in [harness.incremental, harness.full] {
                let deleted = try test.database.rows("SELECT segment_id FROM \(table: QualifiedName(schema, TableName.deletedSegments))").map(\.values)
                #expect(deleted == [[.text("c")]], "\(schema)")
                let context = CheckContext(database: test.database, schemas: Schemas(source: harness.source, target: schema),
                                           settings: Configuration(baseDirectory: URL(fileURLWithPath: "/nonexistent")).checkSettings, showValues: false, now: Date())
                let chains = try CheckRunner(context: context).run(selection: ["merge_chains"]).result("merge_chains")
                #expect(chains.details["by_kind"]?["deleted_target"] == .integer(4), "a, b, m and x end at c")
                #expect(chains.details["by_kind"]?["dangling"] == .integer(0))
                #expect(chains.value == 0)
                #expect(chains.status == .pass)
                #expect(chains.message == "4 segment_ids end at a profile deleted upstream (not counted)")
            }
            // c comes back (its id gets a row again): no longer deleted.
            try harness.land(.init(rows: [row("c", "c", batch: 4)]))
            _ = try harness.materializeBoth()
            try harness.expectEqual(harness.incremental, harness.full, "batch 4")
            for schema in [harness.incremental, harness.full] {
                #expect(try test.database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(schema, TableName.deletedSegments))") == .integer(0))
            }
        }
    }

    @Test("compiled: the incremental files after every batch (the table files first, and again where a trait column appeared) give the same rows as a full rebuild",
          arguments: TestDatabase.engines)
    func compiledIncremental(engine: Dialect.Engine) throws {
        for seed in Self.seeds.prefix(3) {
            try TestDatabase.with(engine) { test in
                let harness = try Harness(test: test, nulls: .keepLastValue)
                let compiled = try test.extraSchema("compiled")
                let schemas = Schemas(source: harness.source, target: compiled)
                var history = RandomHistory(seed: seed &* 7919, batches: Self.batches)
                var modes: [MaterializationMode] = []
                for batch in 0..<Self.batches {
                    let plan = history.next(batch: batch)
                    try harness.land(plan)
                    _ = try Materializer(database: test.database, schemas: Schemas(source: harness.source, target: harness.full)).run(mode: .table)
                    // A new trait column needs a table-mode run (the manifest says so).
                    let mode: MaterializationMode = batch == 0 || plan.newColumn != nil ? .table : .incremental
                    modes.append(mode)
                    let folder = test.directory.appendingPathComponent("compiled-\(mode.rawValue)")
                    let traits = try Compilation.traitColumns(of: test.database, schema: harness.source)
                    let files = try Compilation(dialect: test.database.dialect, schemas: schemas, traitColumns: traits, traitNulls: .keepLastValue)
                        .write(to: folder, mode: mode, toolVersion: "test")
                    for file in files where file.check == nil {
                        try test.database.executeScript(SQL(unsafeRaw: String(contentsOf: folder.appendingPathComponent(file.file), encoding: .utf8)))
                    }
                    try harness.expectEqual(compiled, harness.full, "compiled \(mode.rawValue): seed \(seed), batch \(batch)")
                }
                #expect(modes.filter { $0 == .incremental }.count >= Self.batches / 2, "mostly incremental: \(modes)")
                // One succeeded row per compiled run, in order, each with the high-water marks.
                let log = try test.database.rows("SELECT mode, status, \(ident: RunLog.highWaterColumn(TableName.idGraphUpdates)) AS hwm FROM \(table: QualifiedName(compiled, TableName.runs)) ORDER BY run_number")
                #expect(log.map { $0["mode"].stringValue } == modes.map(\.rawValue))
                #expect(log.allSatisfy { $0["status"].stringValue == "succeeded" && $0["hwm"] != .null })
                // idhealth materialize continues incrementally from a compiled run's row.
                try harness.land(history.next(batch: Self.batches))
                _ = try Materializer(database: test.database, schemas: Schemas(source: harness.source, target: harness.full)).run(mode: .table)
                let summary = try Materializer(database: test.database, schemas: schemas).run(mode: .incremental)
                #expect(summary.incremental, "\(summary.fullRefreshReason ?? "")")
                try harness.expectEqual(compiled, harness.full, "idhealth materialize after compiled runs: seed \(seed)")
            }
        }
    }

    /// Raw tables in one schema, an incremental target and a full-rebuild target beside them.
    struct Harness {
        let test: TestDatabase
        let nulls: TraitNulls
        let source: String
        let incremental: String
        let full: String
        var views: String { source }
        var database: any Database { test.database }

        init(test: TestDatabase, nulls: TraitNulls) throws {
            self.test = test
            self.nulls = nulls
            source = test.schemas.source
            incremental = try test.extraSchema("inc")
            full = try test.extraSchema("full")
            let d = test.database.dialect
            try test.createRaw(TableName.idGraphUpdates, columns: ["segment_id", "canonical_segment_id", "timestamp", "uuid_ts", "seq"], rows: [])
            try test.createRaw(TableName.externalIDMappingUpdates, columns: ["id", "segment_id", "external_id_type", "external_id_value", "external_id_hash", "timestamp", "uuid_ts", "seq"], rows: [])
            try test.database.execute("""
                CREATE TABLE \(table: QualifiedName(source, TableName.profileTraitsUpdates)) (
                    id \(type: .text), segment_id \(type: .text), \(ident: "timestamp") \(type: .timestamp), uuid_ts \(type: .timestamp), seq \(type: .integer),
                    email \(type: .text), plan \(type: .text), score \(type: .real))
                """)
        }

        func land(_ batch: RandomHistory.Batch) throws {
            let d = database.dialect
            try database.inTransaction {
                for segment in batch.deletions {
                    for table in TableName.rawTables {
                        try database.execute("DELETE FROM \(table: QualifiedName(source, table)) WHERE segment_id = \(bind: .text(segment))")
                    }
                }
                if let column = batch.newColumn {
                    try database.execute(d.addColumn(ColumnDefinition(column, .text), to: QualifiedName(source, TableName.profileTraitsUpdates)))
                    for seq in batch.backfill {
                        try database.execute("UPDATE \(table: QualifiedName(source, TableName.profileTraitsUpdates)) SET \(ident: column) = 'platinum' WHERE seq = \(bind: .integer(seq))")
                    }
                }
                for row in batch.rows {
                    let columns = try database.columns(QualifiedName(source, row.table))
                    var values = row.values
                    values["uuid_ts"] = .text(UTCTime.format(row.uuidTS))
                    let bound = columns.map { column -> SQLValue in
                        let value = values[column] ?? .null
                        if ["timestamp", "uuid_ts"].contains(column), let text = value.stringValue { return .text(d.timestampLiteral(text)) }
                        return value
                    }
                    // A time is cast to the column's type: an ADBC driver binds text as text.
                    let placeholders = zip(columns, bound).map { column, value in
                        ["timestamp", "uuid_ts"].contains(column) ? SQL.cast(.bind(value), as: .timestamp) : SQL.bind(value)
                    }
                    try database.execute("INSERT INTO \(table: QualifiedName(source, row.table)) (\(sql: columns.map(SQL.identifier).joined(separator: ", "))) VALUES (\(sql: placeholders.joined(separator: ", ")))")
                }
            }
        }

        /// Runs incremental into one schema and a full rebuild into the other; returns the
        /// incremental run's summary.
        func materializeBoth() throws -> MaterializeSummary {
            let summary = try Materializer(database: database, schemas: Schemas(source: source, target: incremental), traitNulls: nulls).run(mode: .incremental)
            _ = try Materializer(database: database, schemas: Schemas(source: source, target: full), traitNulls: nulls).run(mode: .table)
            return summary
        }

        func materializeViews() throws {
            _ = try Materializer(database: database, schemas: Schemas(source: source, target: views), traitNulls: nulls).run(mode: .view)
        }

        func canonicals(_ schema: String) throws -> [String: String] {
            var result: [String: String] = [:]
            for row in try database.rows("SELECT segment_id, canonical_segment_id FROM \(table: QualifiedName(schema, TableName.idGraph))") {
                result[row[0].stringValue ?? ""] = row[1].stringValue
            }
            return result
        }

        func expectEqual(_ schema: String, _ expected: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try test.expectSameTables(schema, as: expected, context, sourceLocation: sourceLocation)
        }
    }
}
