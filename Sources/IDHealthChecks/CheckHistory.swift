import Foundation
import IDHealthSQL

/// What a check said on the previous run, for the trend in every report.
public struct PreviousResult: Sendable, Hashable {
    public let status: String
    public let value: Int64?
    public let checkedAt: String

    public init(status: String, value: Int64?, checkedAt: String) {
        self.status = status
        self.value = value
        self.checkedAt = checkedAt
    }
}

/// One check's value on one earlier run.
public struct HistoryPoint: Sendable, Hashable {
    public let checkedAt: String
    public let value: Int64?

    public init(checkedAt: String, value: Int64?) {
        self.checkedAt = checkedAt
        self.value = value
    }
}

/// `idhealth_check_results` in the target schema: one row per check per run, appended after
/// every check run so the next report can show each check's value then → now.
public struct CheckHistory {
    public static let table = "idhealth_check_results"

    public let database: any Database
    public let schema: String

    public init(database: any Database, schema: String) {
        self.database = database
        self.schema = schema
    }

    var qualified: QualifiedName { QualifiedName(schema, Self.table) }

    static let columns = [
        ColumnDefinition("run_id", .text, notNull: true), ColumnDefinition("check_id", .text, notNull: true),
        ColumnDefinition("status", .text, notNull: true), ColumnDefinition("value", .integer), ColumnDefinition("thresholds", .text),
        ColumnDefinition("checked_at", .timestamp, notNull: true), ColumnDefinition("tool_version", .text, notNull: true),
    ]

    /// Each check's latest recorded result; empty when there is no history yet.
    public func previous() throws -> [String: PreviousResult] {
        guard try database.tableExists(qualified) else { return [:] }
        let sql: SQL = """
            SELECT check_id, status, value, \(sql: .timestampText("checked_at")) AS checked_at FROM (
                SELECT check_id, status, value, checked_at,
                       ROW_NUMBER() OVER (PARTITION BY check_id ORDER BY checked_at DESC, run_id DESC) AS rn
                FROM \(table: qualified)
            ) ranked
            WHERE rn = 1
            """
        var results: [String: PreviousResult] = [:]
        try database.forEachRow(sql) { row in
            if let id = row["check_id"].stringValue {
                results[id] = PreviousResult(status: row["status"].stringValue ?? "", value: row["value"].intValue, checkedAt: row["checked_at"].stringValue ?? "")
            }
            return true
        }
        return results
    }

    /// Each check's values over its last `runs` recorded runs, oldest first.
    public func series(runs: Int = 30) throws -> [String: [HistoryPoint]] {
        guard try database.tableExists(qualified) else { return [:] }
        let sql: SQL = """
            SELECT check_id, \(sql: .timestampText("checked_at")) AS checked_at, value FROM (
                SELECT check_id, checked_at, value,
                       ROW_NUMBER() OVER (PARTITION BY check_id ORDER BY checked_at DESC, run_id DESC) AS rn
                FROM \(table: qualified)
            ) ranked
            WHERE rn <= \(bind: .integer(Int64(runs)))
            ORDER BY check_id, checked_at
            """
        var series: [String: [HistoryPoint]] = [:]
        try database.forEachRow(sql) { row in
            if let id = row["check_id"].stringValue {
                series[id, default: []].append(HistoryPoint(checkedAt: row["checked_at"].stringValue ?? "", value: row["value"].intValue))
            }
            return true
        }
        return series
    }

    /// Appends a run's results in one transaction (creating the table the first time).
    public func append(_ run: CheckRun, runID: String) throws {
        try database.useSchema(schema, create: false)
        try database.execute(database.dialect.createTable(qualified, columns: Self.columns, ifNotExists: true))
        let checkedAt = UTCTime.format(Int64(run.finishedAt.timeIntervalSince1970.rounded(.down)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try database.inTransaction {
            for result in run.results {
                let thresholds = String(decoding: try encoder.encode(result.thresholds), as: UTF8.self)
                try database.execute("""
                    INSERT INTO \(table: qualified) (run_id, check_id, status, value, thresholds, checked_at, tool_version)
                    VALUES (\(bind: .text(runID)), \(bind: .text(result.id)), \(bind: .text(result.status.rawValue)), \(bind: result.value.map(SQLValue.integer) ?? .null),
                            \(bind: .text(thresholds)), \(sql: .timestamp(bind: checkedAt)), \(bind: .text(IDHealthVersion.current)))
                    """)
            }
        }
    }
}
