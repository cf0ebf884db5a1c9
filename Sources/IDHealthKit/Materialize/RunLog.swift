import Foundation

/// `idhealth_runs` in the target schema: one row per materialization (DESIGN.md §3).
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

    var table: String { database.dialect.qualified(schema, TableName.runs) }

    func create() throws {
        let d = database.dialect
        var columns = [
            "run_number \(d.integerType) NOT NULL", "run_id \(d.textType) NOT NULL", "mode \(d.textType) NOT NULL", "status \(d.textType) NOT NULL",
            "started_at \(d.timestampType)", "finished_at \(d.timestampType)", "tool_version \(d.textType)",
            "trait_nulls \(d.textType)", "full_refresh_reason \(d.textType)",
        ]
        for (prefix, tables) in Self.perTableColumns {
            columns += tables.map { "\(prefix)\($0) \(d.integerType)" }
        }
        columns += TableName.rawTables.map { "\(Self.highWaterColumn($0)) \(d.timestampType)" }
        columns += TableName.rawTables.map { "\(Self.settledBeforeColumn($0)) \(d.timestampType)" }
        columns += TableName.rawTables.map { "\(Self.settledRowsColumn($0)) \(d.integerType)" }
        columns.append("message \(d.textType)")
        try database.execute("CREATE TABLE IF NOT EXISTS \(table) (\(columns.joined(separator: ", ")))")
        // A log written by an earlier version gains the columns it lacks.
        let existing = Set(try database.columns(schema: schema, table: TableName.runs))
        for definition in columns {
            let parts = definition.split(separator: " ", maxSplits: 1).map(String.init)
            guard !existing.contains(parts[0]) else { continue }
            try database.execute(d.addColumn(schema: schema, table: TableName.runs, column: parts[0], type: parts[1].replacingOccurrences(of: " NOT NULL", with: "")))
        }
    }

    /// The latest successful run in table or incremental mode, if any.
    func previous() throws -> PreviousRun? {
        guard try database.tableExists(schema: schema, table: TableName.runs) else { return nil }
        let row = try database.firstRow("""
            SELECT run_id, mode, trait_nulls FROM \(table)
            WHERE status = 'succeeded' AND mode IN ('table', 'incremental')
            ORDER BY run_number DESC
            """)
        guard let row, let runID = row[0].stringValue else { return nil }
        return PreviousRun(runID: runID, mode: row[1].stringValue ?? "", traitNulls: row[2].stringValue ?? "")
    }

    /// Appends a run's row. High-water marks and settled counts come from the run's `hwm`,
    /// `settled` and `settled_rows` work tables (``Materializer/captureHighWater(work:)``)
    /// when given.
    func record(_ summary: MaterializeSummary, status: String, started: Date, finished: Date, work: WorkTables?, message: String? = nil) throws {
        try create()
        let d = database.dialect
        var names = ["run_id", "mode", "status", "started_at", "finished_at", "tool_version", "trait_nulls", "full_refresh_reason", "message"]
        var values: [SQLValue] = [
            .text(summary.runID), .text(summary.mode.rawValue), .text(status),
            .text(d.timestampLiteral(Materializer.utcText(started))), .text(d.timestampLiteral(Materializer.utcText(finished))),
            .text(IDHealthVersion.current), .text(summary.traitNulls.rawValue),
            summary.fullRefreshReason.map(SQLValue.text) ?? .null, message.map(SQLValue.text) ?? .null,
        ]
        for table in TableName.rawTables {
            names.append("rows_read_" + table)
            values.append(summary.rowsRead[table].map(SQLValue.integer) ?? .null)
        }
        for table in TableName.materializedTables {
            names.append("rows_written_" + table)
            values.append(summary.rowsWritten[table].map(SQLValue.integer) ?? .null)
            names.append("rows_deleted_" + table)
            values.append(summary.rowsDeleted[table].map(SQLValue.integer) ?? .null)
        }
        var selects = values.indices.map { index -> String in
            let placeholder = d.placeholder(index + 1)
            return ["started_at", "finished_at"].contains(names[index]) ? d.castToTimestamp(placeholder) : placeholder
        }
        if work != nil {
            for table in TableName.rawTables {
                names += [Self.highWaterColumn(table), Self.settledBeforeColumn(table), Self.settledRowsColumn(table)]
                selects += ["h.\(d.quote(table))", "s.\(d.quote(table))", "n.\(d.quote(table))"]
            }
        }
        names.insert("run_number", at: 0)
        selects.insert("(SELECT COALESCE(MAX(r.run_number), 0) + 1 FROM \(table) r)", at: 0)
        let from = work.map { " FROM \($0.name("hwm")) h, \($0.name("settled")) s, \($0.name("settled_rows")) n" } ?? ""
        try database.execute("INSERT INTO \(table) (\(names.map(d.quote).joined(separator: ", "))) SELECT \(selects.joined(separator: ", "))\(from)", values)
    }
}
