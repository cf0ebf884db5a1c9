import CLibPQ
import Foundation

/// A connection to a PostgreSQL server, or to Amazon Redshift, through the system libpq.
///
/// The dialect is Redshift's when the server's `version()` says Redshift, or when the caller
/// forces it (`--dialect redshift`, which is how the test suite runs Redshift's SQL on a
/// PostgreSQL server). The connection string is handed to libpq as it is (`expand_dbname`),
/// so URIs, keyword strings, `PG*` environment variables, `.pgpass` and `sslmode` behave
/// exactly as in psql.
/// Rows are streamed in single-row mode, so a large result never sits in memory.
public final class PostgresDatabase: PostgresSession {
    public private(set) var dialect: Dialect
    let connection: OpaquePointer
    /// The materialization lock where the dialect has no advisory locks.
    let lockTable = LockTable()
    public private(set) var target: String

    /// Seconds libpq waits for a server to answer, unless the connection string or
    /// `PGCONNECT_TIMEOUT` says otherwise.
    public static let defaultConnectTimeoutSeconds = 10

    /// Connects with `conninfo`, a `postgres://` URI or a `key=value` string, speaking
    /// `dialect` (default: Redshift's if the server is Redshift, else PostgreSQL's).
    /// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PQCONNECTDBPARAMS.
    public init(conninfo: String, dialect forced: Dialect? = nil) throws {
        // A string libpq cannot parse is the user's to fix (exit 2), and libpq's message
        // about it may quote the password: it is read first, and the message redacted.
        var parseError: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &parseError) {
            PQconninfoFree(options)
        } else {
            let message = parseError.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(parseError)
            throw ConfigError("the PostgreSQL connection string cannot be read: " + PostgresConnectionString.redact(message.trimmingCharacters(in: .whitespacesAndNewlines), conninfo: conninfo))
        }
        // A server that accepts the connection and never answers must not hang a nightly
        // job: libpq waits forever by default. The connection string (or PGCONNECT_TIMEOUT)
        // still decides when it says otherwise: it comes later in the keyword list.
        var keywords = ["dbname", "fallback_application_name"]
        var values = [conninfo, "idhealth"]
        if (ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] ?? "").isEmpty {
            keywords.insert("connect_timeout", at: 0)
            values.insert(String(Self.defaultConnectTimeoutSeconds), at: 0)
        }
        // A Redshift cluster is reached over a network: TLS unless the connection string or
        // PGSSLMODE says otherwise (libpq's own default, `prefer`, would fall back to clear
        // text without a word).
        if forced?.engine == .redshift, (ProcessInfo.processInfo.environment["PGSSLMODE"] ?? "").isEmpty {
            keywords.insert("sslmode", at: 0)
            values.insert("require", at: 0)
        }
        let connection = withArrayOfCStrings(keywords) { keywordPointers in
            withArrayOfCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw DatabaseError(engine: .postgres, code: "08000", message: "out of memory while connecting")
        }
        if PQstatus(connection) != CONNECTION_OK {
            let message = PostgresConnectionString.redact(String(cString: PQerrorMessage(connection)), conninfo: conninfo)
            PQfinish(connection)
            throw DatabaseError(engine: .postgres, code: "08001", message: "cannot connect: \(message)")
        }
        self.connection = connection
        // Until the server is known, statements are rendered as PostgreSQL's (the probe is
        // plain SQL that both speak).
        dialect = forced ?? .postgres
        let user = String(cString: PQuser(connection))
        let database = String(cString: PQdb(connection))
        let host = PQhost(connection).map { String(cString: $0) } ?? "localhost"
        let port = String(cString: PQport(connection))
        target = "postgresql://\(user)@\(host.hasPrefix("/") ? "" : host)\(port.isEmpty ? "" : ":" + port)/\(database)"
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        if forced == nil, (try scalar("SELECT version()").stringValue ?? "").contains("Redshift") {
            dialect = .redshift
            target = target.replacingOccurrences(of: "postgresql://", with: "redshift://")
        }
        try prepareSession()
        // A server notices that a client died (SIGKILL, a lost machine) only when it next
        // talks to it: for a session inside a long statement, when the statement ends, and
        // until then it keeps its transaction and the materialization lock. PostgreSQL 14+
        // can check the socket while it works; a platform without that check refuses a
        // non-zero value, which changes nothing for us.
        if dialect.engine == .postgres, PQserverVersion(connection) >= 140000 {
            _ = try? execute("SET client_connection_check_interval = \(literal: .integer(Int64(Self.clientCheckIntervalMilliseconds)))")
        }
    }

    /// How often a PostgreSQL 14+ server checks, during a statement, that idhealth is still
    /// connected.
    public static let clientCheckIntervalMilliseconds = 5000

    deinit {
        PQfinish(connection)
    }

    /// Builds the error of a failed result from its diagnostic fields.
    /// See https://www.postgresql.org/docs/current/libpq-exec.html#LIBPQ-PQRESULTERRORFIELD.
    func error(_ result: OpaquePointer?, sql: String?) -> DatabaseError {
        guard let result else {
            return DatabaseError(engine: dialect.engine, code: "08006", message: String(cString: PQerrorMessage(connection)), sql: sql)
        }
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let message = field(idhealth_pg_diag_message_primary) ?? String(cString: PQresultErrorMessage(result))
        return DatabaseError(
            engine: dialect.engine,
            code: field(idhealth_pg_diag_sqlstate) ?? "XX000",
            message: message,
            detail: field(idhealth_pg_diag_message_detail),
            hint: field(idhealth_pg_diag_message_hint),
            sql: sql
        )
    }

    /// Runs one statement through `PQexecParams`, which refuses a second statement in the
    /// text (the extended query protocol carries exactly one).
    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        let rendered = dialect.render(sql)
        let result = withParameters(rendered.bindings) { count, values in
            PQexecParams(connection, rendered.text, count, nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Int(String(cString: PQcmdTuples(result))) ?? 0
        default:
            throw error(result, sql: rendered.text)
        }
    }

    /// Runs a script through `PQexec` (the simple query protocol), which takes several
    /// statements but no parameters.
    public func executeScript(_ sql: SQL) throws {
        let rendered = dialect.render(sql)
        guard rendered.bindings.isEmpty else {
            throw DatabaseError(engine: dialect.engine, code: "42P02", message: "a script cannot bind values", sql: rendered.text)
        }
        let result = PQexec(connection, rendered.text)
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default: throw error(result, sql: rendered.text)
        }
    }

    public func forEachRow(_ query: SQL, _ body: (Row) throws -> Bool) throws {
        let rendered = dialect.render(query)
        let sql = rendered.text
        let sent = withParameters(rendered.bindings) { count, values in
            PQsendQueryParams(connection, sql, count, nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw error(nil, sql: sql) }
        PQsetSingleRowMode(connection)
        var failure: Error?
        var stopped = false
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                if stopped || failure != nil { continue }
                let row = Self.row(result, index: 0)
                do {
                    if try !body(row) {
                        stopped = true
                        cancelRunningQuery()
                    }
                } catch {
                    failure = error
                    cancelRunningQuery()
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                continue
            default:
                // A cancel we asked for ends the query with an error we do not report.
                if !stopped && failure == nil { failure = error(result, sql: sql) }
            }
        }
        if let failure { throw failure }
    }

    /// Asks the server to stop the current query, when the caller has read all it wants.
    private func cancelRunningQuery() {
        guard let cancel = PQgetCancel(connection) else { return }
        defer { PQfreeCancel(cancel) }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
    }

    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        guard dialect.engine == .postgres else {
            // Redshift has no COPY from the client (only from S3): multi-row INSERTs.
            let sink = InsertSink(database: self, table: table, columns: columns)
            try produce(sink)
            try sink.flush()
            return
        }
        let copy: SQL = "COPY \(table: table) (\(sql: columns.map(SQL.identifier).joined(separator: ", "))) FROM STDIN"
        let sql = dialect.render(copy).text
        let result = PQexec(connection, sql)
        let status = PQresultStatus(result)
        if status != PGRES_COPY_IN {
            defer { PQclear(result) }
            throw error(result, sql: sql)
        }
        PQclear(result)
        let sink = PostgresCopySink(connection: connection)
        var failure: Error?
        do {
            try produce(sink)
            try sink.flush()
        } catch {
            failure = error
        }
        let end = failure == nil ? PQputCopyEnd(connection, nil) : PQputCopyEnd(connection, "idhealth: load aborted")
        if end != 1, failure == nil { failure = self.error(nil, sql: sql) }
        while let final = PQgetResult(connection) {
            defer { PQclear(final) }
            if PQresultStatus(final) != PGRES_COMMAND_OK, failure == nil {
                failure = error(final, sql: sql)
            }
        }
        if let failure { throw failure }
    }

    public func interrupter() -> DatabaseInterrupter { PostgresInterrupter(connection: connection) }

    static func row(_ result: OpaquePointer, index: Int32) -> Row {
        let count = PQnfields(result)
        var columns: [String] = []
        var values: [SQLValue] = []
        columns.reserveCapacity(Int(count))
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            columns.append(String(cString: PQfname(result, column)))
            if PQgetisnull(result, index, column) == 1 {
                values.append(.null)
                continue
            }
            let text = String(cString: PQgetvalue(result, index, column))
            switch PQftype(result, column) {
            case 20, 21, 23: values.append(Int64(text).map(SQLValue.integer) ?? .text(text))
            case 16: values.append(.integer(text == "t" ? 1 : 0))
            case 700, 701, 1700: values.append(Double(text).map(SQLValue.real) ?? .text(text))
            default: values.append(.text(text))
            }
        }
        return Row(columns: columns, values: values)
    }

    /// Passes bound values to libpq in text format; NULL stays a null pointer.
    private func withParameters<T>(_ bindings: [SQLValue], _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
        let texts: [String?] = bindings.map(\.stringValue)
        var pointers: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0)! } }
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { rebound in
                body(Int32(bindings.count), bindings.isEmpty ? nil : UnsafePointer(rebound))
            }
        }
    }
}

/// Holds a `PGcancel` object and asks the server to cancel the running statement with it.
/// libpq documents `PQcancel` as safe to call from a signal handler or another thread than
/// the one using the connection (https://www.postgresql.org/docs/current/libpq-cancel.html);
/// the object is made once, here, and freed when this goes: hence `@unchecked Sendable`.
final class PostgresInterrupter: DatabaseInterrupter, @unchecked Sendable {
    let cancel: OpaquePointer?

    init(connection: OpaquePointer) {
        cancel = PQgetCancel(connection)
    }

    deinit {
        if let cancel { PQfreeCancel(cancel) }
    }

    func interrupt() {
        guard let cancel else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
    }
}

/// Appends rows with multi-row `INSERT … VALUES` statements of bound values, for an engine
/// without `COPY … FROM STDIN`; a batch stays under the protocol's 32,767 parameters.
final class InsertSink: BulkSink {
    let database: any Database
    let table: QualifiedName
    let columns: [String]
    var pending: [[SQLValue]] = []
    let batch: Int
    /// For each column, the type its bound value is cast to; nil binds it as it is.
    let columnTypes: [SQLType?]

    /// `parameterLimit` bounds the values of one statement (libpq, under psqlODBC, refuses a
    /// parameter description longer than 30,000 bytes: 4 bytes a parameter).
    init(database: any Database, table: QualifiedName, columns: [String], parameterLimit: Int = 30_000, columnTypes: [SQLType?]? = nil) {
        self.database = database
        self.table = table
        self.columns = columns
        self.columnTypes = columnTypes ?? columns.map { _ in nil }
        batch = max(1, min(1_000, parameterLimit / max(columns.count, 1)))
    }

    func append(_ values: [SQLValue]) throws {
        pending.append(values)
        if pending.count >= batch { try flush() }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        let names = columns.map(SQL.identifier).joined(separator: ", ")
        let rows = pending.map { row in
            "(" + zip(row, columnTypes).map { value, type in
                type.map { SQL.cast(.bind(value), as: $0) } ?? SQL.bind(value)
            }.joined(separator: ", ") + ")" as SQL
        }
        try database.execute("INSERT INTO \(table: table) (\(sql: names)) VALUES \(sql: rows.joined(separator: ", "))")
        pending.removeAll(keepingCapacity: true)
    }
}

/// Writes rows in COPY's text format, buffered into large chunks.
/// See https://www.postgresql.org/docs/current/sql-copy.html (Text Format).
final class PostgresCopySink: BulkSink {
    let connection: OpaquePointer
    var buffer: [UInt8] = []

    init(connection: OpaquePointer) {
        self.connection = connection
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ values: [SQLValue]) throws {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(0x09) }
            guard let text = value.stringValue else {
                buffer.append(contentsOf: [0x5C, 0x4E])  // \N
                continue
            }
            for byte in text.utf8 {
                switch byte {
                case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
                case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
                case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { pointer in
            pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                PQputCopyData(connection, $0, Int32(pointer.count))
            }
        }
        if sent != 1 {
            throw DatabaseError(engine: .postgres, code: "08006", message: String(cString: PQerrorMessage(connection)))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the call.
func withArrayOfCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
