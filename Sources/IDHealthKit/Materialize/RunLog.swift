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
        columns.append("message \(d.textType)")
        try database.execute("CREATE TABLE IF NOT EXISTS \(table) (\(columns.joined(separator: ", ")))")
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

    /// Appends a run's row. High-water marks come from the `hwm` work table when given.
    func record(_ summary: MaterializeSummary, status: String, started: Date, finished: Date, highWater: String?, message: String? = nil) throws {
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
        if let highWater {
            for table in TableName.rawTables {
                names.append(Self.highWaterColumn(table))
                selects.append("h.\(d.quote(table))")
            }
        }
        names.insert("run_number", at: 0)
        selects.insert("(SELECT COALESCE(MAX(r.run_number), 0) + 1 FROM \(table) r)", at: 0)
        let from = highWater.map { " FROM \($0) h" } ?? ""
        try database.execute("INSERT INTO \(table) (\(names.map(d.quote).joined(separator: ", "))) SELECT \(selects.joined(separator: ", "))\(from)", values)
    }
}
