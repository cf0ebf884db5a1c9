import Foundation
import IDHealthSQL

/// `idhealth_runs` in the target schema: one row per materialization (docs/semantics.md, "Atomic and locked").
///
/// A run's row is written in the same transaction that swaps in its tables, so a row with
/// status `succeeded` always describes the tables that are there; a run that fails with an
/// error records `failed` and its message afterwards. An incremental run reads the
/// high-water marks of the latest `succeeded` row.
struct RunLog {
    let database: any Database
    let schema: String

    /// The previous successful run an incremental run continues from.
    struct PreviousRun {
        let runID: String
        let mode: String
        let traitNulls: String
    }

    static let perTableColumns: [(prefix: String, tables: [String])] = [
        ("rows_read_", TableName.rawTables),
        ("rows_written_", TableName.materializedTables),
        ("rows_deleted_", TableName.materializedTables),
    ]

    static func highWaterColumn(_ rawTable: String) -> String { "high_water_" + rawTable }
    static func settledBeforeColumn(_ rawTable: String) -> String { "settled_before_" + rawTable }
    static func settledRowsColumn(_ rawTable: String) -> String { "settled_rows_" + rawTable }

    var table: QualifiedName { QualifiedName(schema, TableName.runs) }

    /// Every column of the log, in table order.
    static var columns: [ColumnDefinition] {
        var columns = [
            ColumnDefinition("run_number", .integer, notNull: true), ColumnDefinition("run_id", .text, notNull: true),
            ColumnDefinition("mode", .text, notNull: true), ColumnDefinition("status", .text, notNull: true),
            ColumnDefinition("started_at", .timestamp), ColumnDefinition("finished_at", .timestamp), ColumnDefinition("tool_version", .text),
            ColumnDefinition("trait_nulls", .text), ColumnDefinition("full_refresh_reason", .text),
        ]
        for (prefix, tables) in perTableColumns {
            columns += tables.map { ColumnDefinition(prefix + $0, .integer) }
        }
        columns += TableName.rawTables.map { ColumnDefinition(highWaterColumn($0), .timestamp) }
        columns += TableName.rawTables.map { ColumnDefinition(settledBeforeColumn($0), .timestamp) }
        columns += TableName.rawTables.map { ColumnDefinition(settledRowsColumn($0), .integer) }
        columns.append(ColumnDefinition("message", .text))
        return columns
    }

    func create() throws {
        let d = database.dialect
        try database.execute(d.createTable(table, columns: Self.columns, ifNotExists: true))
        // A log written by an earlier version gains the columns it lacks (nullable: old rows
        // have no value for them).
        let existing = Set(try database.columns(table))
        for column in Self.columns where !existing.contains(column.name) {
            try database.execute(d.addColumn(ColumnDefinition(column.name, column.type), to: table))
        }
    }

    /// The latest successful run in table or incremental mode, if any.
    func previous() throws -> PreviousRun? {
        guard try database.tableExists(table) else { return nil }
        let row = try database.firstRow("""
            SELECT run_id, mode, trait_nulls FROM \(table: table)
            WHERE status = 'succeeded' AND mode IN ('table', 'incremental')
            ORDER BY run_number DESC
            """)
        guard let row, let runID = row[0].stringValue else { return nil }
        return PreviousRun(runID: runID, mode: row[1].stringValue ?? "", traitNulls: row[2].stringValue ?? "")
    }

    /// Appends a run's row. High-water marks and settled counts come from the run's `hwm`,
    /// `settled` and `settled_rows` work tables (``Materializer/captureHighWater(work:carried:)``)
    /// when given.
    func record(_ summary: MaterializeSummary, status: String, started: Date, finished: Date, work: WorkTables?, message: String? = nil) throws {
        try create()
        var values: [(String, SQL)] = [
            ("run_id", .bind(.text(summary.runID))), ("mode", .bind(.text(summary.mode.rawValue))), ("status", .bind(.text(status))),
            ("started_at", .timestamp(bind: Materializer.utcText(started))), ("finished_at", .timestamp(bind: Materializer.utcText(finished))),
            ("tool_version", .bind(.text(IDHealthVersion.current))), ("trait_nulls", .bind(.text(summary.traitNulls.rawValue))),
            ("full_refresh_reason", .bind(summary.fullRefreshReason.map(SQLValue.text) ?? .null)), ("message", .bind(message.map(SQLValue.text) ?? .null)),
        ]
        for table in TableName.rawTables {
            values.append(("rows_read_" + table, .bind(summary.rowsRead[table].map(SQLValue.integer) ?? .null)))
        }
        for table in TableName.materializedTables {
            values.append(("rows_written_" + table, .bind(summary.rowsWritten[table].map(SQLValue.integer) ?? .null)))
            values.append(("rows_deleted_" + table, .bind(summary.rowsDeleted[table].map(SQLValue.integer) ?? .null)))
        }
        try database.execute(Self.insert(into: table, values, work: work))
    }

    /// The `INSERT` of a run's row: `values` by column, the run's number next after the
    /// log's last, and the high-water columns from the run's work tables when given.
    static func insert(into table: QualifiedName, _ values: [(String, SQL)], work: WorkTables?) -> SQL {
        var values = values
        if work != nil {
            for raw in TableName.rawTables {
                values += [(highWaterColumn(raw), "h.\(ident: raw)"), (settledBeforeColumn(raw), "s.\(ident: raw)"), (settledRowsColumn(raw), "n.\(ident: raw)")]
            }
        }
        values.insert(("run_number", "(SELECT COALESCE(MAX(r.run_number), 0) + 1 FROM \(table: table) r)"), at: 0)
        let from: SQL = work.map { " FROM \(table: $0.name("hwm")) h, \(table: $0.name("settled")) s, \(table: $0.name("settled_rows")) n" } ?? ""
        return "INSERT INTO \(table: table) (\(sql: values.map { SQL.identifier($0.0) }.joined(separator: ", "))) SELECT \(sql: values.map(\.1).joined(separator: ", "))\(sql: from)"
    }

    /// The run_id of a run of a plan written to files: its run number, which nothing else
    /// knows before it runs.
    static func plannedRunID(schema: String) -> SQL {
        .cast("(SELECT COALESCE(MAX(r.run_number), 0) + 1 FROM \(table: QualifiedName(schema, TableName.runs)) r)", as: .text)
    }

    /// The statements that record a run of a plan written to files (`idhealth compile`): the
    /// log created where missing and a `succeeded` row with the high-water marks of the run's
    /// work tables, which the next incremental run starts from. Its counts are NULL: a plan
    /// does not read anything back. A log of an earlier version is not given new columns.
    static func plannedRecord(schema: String, mode: MaterializationMode, traitNulls: TraitNulls, work: WorkTables, dialect: Dialect) -> [SQL] {
        let table = QualifiedName(schema, TableName.runs)
        let values: [(String, SQL)] = [
            ("run_id", plannedRunID(schema: schema)), ("mode", .literal(.text(mode.rawValue))), ("status", .literal(.text("succeeded"))),
            ("started_at", .now), ("finished_at", .now), ("tool_version", .literal(.text(IDHealthVersion.current + " (compiled)"))),
            ("trait_nulls", .literal(.text(traitNulls.rawValue))),
        ]
        return [dialect.createTable(table, columns: columns, ifNotExists: true), insert(into: table, values, work: work)]
    }

    /// Picks the previous run of a plan written to files: the latest successful table or
    /// incremental run, as ``previous()`` does (alias `r`).
    static func plannedPrevious(schema: String) -> SQL {
        "r.run_number = (SELECT MAX(p.run_number) FROM \(table: QualifiedName(schema, TableName.runs)) p WHERE p.status = 'succeeded' AND p.mode IN ('table', 'incremental'))"
    }
}
