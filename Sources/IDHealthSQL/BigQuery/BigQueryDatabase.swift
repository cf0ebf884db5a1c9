import Foundation

/// Google BigQuery through its REST API (``BigQueryClient``).
///
/// What BigQuery lacks and idhealth needs is made here, as on Spark:
/// * **Temporary tables**: BigQuery's live only inside a script or a session, so each
///   connection gets a dataset of its own, `idhealth_session_<token>`, made at connect and
///   dropped with everything in it by ``close()``; one a killed run left behind is dropped
///   by the first connection that finds it a day old (``SessionSchema``).
/// * **Transactions**: BigQuery's take no DDL on permanent tables, which every materialization
///   runs, so `BEGIN`/`COMMIT`/`ROLLBACK` do nothing: each statement commits on its own, and
///   each table replacement is one atomic statement (``Dialect/replaceTable(_:with:)``).
/// * **Catalog**: the API's dataset and table metadata (`datasets.get`, `tables.get`,
///   `tables.list`), not `INFORMATION_SCHEMA`, whose queries bill 10 MB each.
/// * **Lock**: a row of `idhealth_lock`, inserted with a token and read back (``LockTable``).
/// * **NULL parameters**: a query parameter carries a type, which a bare NULL has not: a
///   statement with one is sent with its values as the dialect's literals.
public final class BigQueryDatabase: Database, LockRowSession {
    public let dialect: Dialect
    public let target: String
    let lockTable = LockTable()
    let client: BigQueryClient
    private var closed = false

    /// A full rebuild puts each table in place with one atomic `CREATE OR REPLACE TABLE`:
    /// BigQuery's DDL takes no part in a transaction, and a drop and a rename would leave a
    /// moment with no table.
    public var exchangesTables: Bool { true }

    init(client: BigQueryClient, target: String) throws {
        self.client = client
        self.target = target
        let session = SessionSchema.newName()
        dialect = .bigquery(sessionSchema: session)
        do {
            try dropStaleSessionDatasets()
            try execute("CREATE SCHEMA IF NOT EXISTS \(ident: session)")
        } catch let error as DatabaseError where error.isAuthenticationFailure {
            throw ConfigError("BigQuery \(target) refused the access token (\(error.message)): set a fresh one in GOOGLE_OAUTH_ACCESS_TOKEN (`gcloud auth print-access-token`; a token lasts an hour)")
        } catch let error as DatabaseError where error.isPermissionDenied || error.code == "connection" || error.code == "timeout" {
            throw ConfigError("BigQuery \(target): \(error.message)\(error.isPermissionDenied ? " (idhealth keeps its work tables in a dataset of its own for each run, \(session): the account needs bigquery.datasets.create on the project)" : "")")
        }
    }

    private func dropStaleSessionDatasets() throws {
        let now = Date()
        for dataset in try datasets() where SessionSchema.isStale(dataset, now: now) {
            try execute("DROP SCHEMA IF EXISTS \(ident: dataset) CASCADE")
        }
    }

    public func close() {
        guard !closed, let session = dialect.sessionSchema else { return }
        closed = true
        _ = try? execute("DROP SCHEMA IF EXISTS \(ident: session) CASCADE")
    }

    deinit { close() }

    // MARK: - Statements

    /// The statement with its values bound, or written as literals when one is NULL.
    private func rendered(_ sql: SQL) -> RenderedSQL {
        let bound = dialect.renderPositional(sql)
        guard bound.bindings.contains(.null) else { return bound }
        return RenderedSQL(text: dialect.renderInline(sql), bindings: [], labels: [])
    }

    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        let statement = rendered(sql)
        if statement.bindings.isEmpty, TransactionCommand(statement.text) != nil { return 0 }
        return try client.query(statement.text, parameters: statement.bindings) { _, _ in true }
    }

    public func executeScript(_ sql: SQL) throws {
        let statement = rendered(sql)
        guard statement.bindings.isEmpty else {
            throw DatabaseError(engine: .bigquery, code: "invalidQuery", message: "a script cannot bind values", sql: statement.text)
        }
        for text in ScriptSplitter.statements(statement.text) where TransactionCommand(text) == nil {
            _ = try client.query(text, parameters: []) { _, _ in true }
        }
    }

    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        let statement = rendered(sql)
        _ = try client.query(statement.text, parameters: statement.bindings) { fields, rows in
            let columns = fields.map(\.name)
            for cells in rows {
                let values = try zip(fields, cells).map { field, cell in try Self.value(cell, type: field.type, sql: statement.text) }
                guard try body(Row(columns: columns, values: values)) else { return false }
            }
            return true
        }
    }

    /// A cell of the REST API's rows (text, or null) as idhealth's value, by its column's type.
    static func value(_ cell: Any, type: String, sql: String) throws -> SQLValue {
        if cell is NSNull { return .null }
        guard let text = cell as? String else {
            // A RECORD or REPEATED column: kept as its JSON.
            let data = (try? JSONSerialization.data(withJSONObject: cell, options: [.sortedKeys])) ?? Data()
            return .text(String(decoding: data, as: UTF8.self))
        }
        switch type {
        case "INTEGER", "INT64":
            guard let number = Int64(text) else { throw malformed(text, type, sql) }
            return .integer(number)
        case "FLOAT", "FLOAT64":
            guard let number = Double(text) else { throw malformed(text, type, sql) }
            return .real(number)
        case "NUMERIC", "BIGNUMERIC":
            if let number = Int64(text) { return .integer(number) }
            guard let number = Double(text) else { throw malformed(text, type, sql) }
            return .real(number)
        case "BOOLEAN", "BOOL":
            return .integer(text.lowercased() == "true" ? 1 : 0)
        case "TIMESTAMP":
            // Microseconds since 1970 (formatOptions.useInt64Timestamp); seconds as a
            // floating-point number from a server that ignores the option.
            if let micros = Int64(text) { return .text(UTCTime.format(units: micros, perSecond: 1_000_000) + "+00") }
            guard let seconds = Double(text) else { throw malformed(text, type, sql) }
            return .text(UTCTime.format(units: Int64((seconds * 1_000_000).rounded()), perSecond: 1_000_000) + "+00")
        case "DATETIME":
            return .text(text.replacingOccurrences(of: "T", with: " "))
        default:
            return .text(text)
        }
    }

    private static func malformed(_ text: String, _ type: String, _ sql: String) -> DatabaseError {
        DatabaseError(engine: .bigquery, code: "response", message: "BigQuery sent a \(type) value that is not one (\(text.prefix(40)))", sql: sql)
    }

    /// Load jobs of newline-delimited JSON, one per 100,000 rows or 32 MB (BigQuery's bulk
    /// path: a multi-row `INSERT` is a billed query each, and slow on the stand-in). The
    /// caller's transaction does not hold them: each job commits on its own, as every
    /// statement does here.
    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        let sink = BigQueryLoadSink(client: client, table: table, columns: columns)
        try produce(sink)
        try sink.flush()
    }

    public func interrupter() -> DatabaseInterrupter { BigQueryInterrupter(client: client) }

    // MARK: - Catalog

    /// The project's datasets, every page of `datasets.list`.
    func datasets() throws -> [String] {
        var names: [String] = []
        var pageToken: String?
        repeat {
            let query = [("maxResults", "1000")] + (pageToken.map { [("pageToken", $0)] } ?? [])
            let page = try client.call(.get, "/datasets", query: query) ?? [:]
            for dataset in page["datasets"] as? [[String: Any]] ?? [] {
                if let name = (dataset["datasetReference"] as? [String: Any])?["datasetId"] as? String { names.append(name) }
            }
            pageToken = page["nextPageToken"] as? String
        } while pageToken != nil
        return names
    }

    public func schemaExists(_ schema: String) throws -> Bool {
        try client.call(.get, "/datasets/" + BigQueryClient.segment(schema), missingIsNil: true) != nil
    }

    public func useSchema(_ schema: String, create: Bool) throws {
        guard try !schemaExists(schema) else { return }
        guard create else { throw InputError("dataset \(schema) does not exist in \(target)") }
        try execute("CREATE SCHEMA IF NOT EXISTS \(ident: schema)")
    }

    public func schemas(holding table: String) throws -> [String] {
        try datasets().filter { dataset in
            guard !SessionSchema.isOne(dataset) else { return false }
            return try relationKind(QualifiedName(dataset, table)) != nil
        }.sorted()
    }

    /// `tables.get` of a table or view; nil when it (or its dataset) does not exist.
    private func tableMetadata(_ name: QualifiedName) throws -> [String: Any]? {
        try client.call(.get, "/datasets/" + BigQueryClient.segment(name.schema) + "/tables/" + BigQueryClient.segment(name.name), missingIsNil: true)
    }

    public func relationKind(_ name: QualifiedName) throws -> RelationKind? {
        guard let table = try tableMetadata(name) else { return nil }
        switch (table["type"] as? String)?.uppercased() {
        case "VIEW", "MATERIALIZED_VIEW": return .view
        default: return .table
        }
    }

    public func columnTypes(_ table: QualifiedName) throws -> [(name: String, type: String)] {
        guard let metadata = try tableMetadata(table) else { return [] }
        let fields = (metadata["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []
        return fields.compactMap { field in
            guard let name = field["name"] as? String else { return nil }
            return (name, Self.standardTypeName(field["type"] as? String ?? ""))
        }
    }

    /// The API's legacy type names as GoogleSQL spells them (the dialect's and the
    /// catalog's): INTEGER is INT64, FLOAT is FLOAT64, BOOLEAN is BOOL.
    static func standardTypeName(_ type: String) -> String {
        switch type.uppercased() {
        case "INTEGER": return "INT64"
        case "FLOAT": return "FLOAT64"
        case "BOOLEAN": return "BOOL"
        case "RECORD": return "STRUCT"
        default: return type.uppercased()
        }
    }

    public func tableNames(in schema: String, prefix: String) throws -> [String] {
        guard try schemaExists(schema) else { return [] }
        var names: [String] = []
        var pageToken: String?
        repeat {
            let query = [("maxResults", "1000")] + (pageToken.map { [("pageToken", $0)] } ?? [])
            let page = try client.call(.get, "/datasets/" + BigQueryClient.segment(schema) + "/tables", query: query) ?? [:]
            for table in page["tables"] as? [[String: Any]] ?? [] where (table["type"] as? String)?.uppercased() == "TABLE" {
                if let name = (table["tableReference"] as? [String: Any])?["tableId"] as? String, name.hasPrefix(prefix) { names.append(name) }
            }
            pageToken = page["nextPageToken"] as? String
        } while pageToken != nil
        return names
    }

    // MARK: - SHA-1, waits

    public func sha1Support() throws -> SHA1Support { .available(functionSchema: nil) }

    /// Nothing: BigQuery queues a statement behind another's change of the same table itself.
    public func setLockWait(seconds: Double) throws {}

    /// Empty: BigQuery shows no locks.
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] { [] }
}

/// Gathers rows as newline-delimited JSON and loads them in jobs of bounded size.
final class BigQueryLoadSink: BulkSink {
    let client: BigQueryClient
    let table: QualifiedName
    let columns: [String]
    private var pending = Data()
    private var count = 0
    static let maximumRows = 100_000
    static let maximumBytes = 32 << 20

    init(client: BigQueryClient, table: QualifiedName, columns: [String]) {
        self.client = client
        self.table = table
        self.columns = columns
    }

    func append(_ values: [SQLValue]) throws {
        var object: [String: Any] = [:]
        for (column, value) in zip(columns, values) {
            switch value {
            case .null: object[column] = NSNull()
            case .integer(let number): object[column] = number
            case .real(let number): object[column] = number
            case .text(let text): object[column] = text
            }
        }
        pending.append(try JSONSerialization.data(withJSONObject: object))
        pending.append(0x0A)
        count += 1
        if count >= Self.maximumRows || pending.count >= Self.maximumBytes { try flush() }
    }

    func flush() throws {
        guard count > 0 else { return }
        try client.load(pending, into: table)
        pending = Data()
        count = 0
    }
}
