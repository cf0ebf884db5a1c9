/// A connection to one database: run SQL, stream rows, load rows in bulk.
///
/// This is the only seam between the tool and an engine. Everything above it builds SQL
/// through a ``Dialect`` and never asks which engine it talks to. A connection is owned by one
/// task at a time (its C handle is not thread-safe), so it is not `Sendable`.
public protocol Database: AnyObject {
    /// The SQL differences of this engine.
    var dialect: Dialect { get }

    /// What the connection points at, safe to print: no password.
    var target: String { get }

    /// Runs one statement with bound values, or several `;`-separated statements when
    /// `bindings` is empty. Returns the number of rows the last statement changed.
    @discardableResult
    func execute(_ sql: String, _ bindings: [SQLValue]) throws -> Int

    /// Streams the rows of one query to `body`, which returns `false` to stop early.
    /// Rows are never all held in memory.
    func forEachRow(_ sql: String, _ bindings: [SQLValue], _ body: (Row) throws -> Bool) throws

    /// Appends rows to an existing table as fast as the engine allows (a prepared insert
    /// in SQLite, `COPY … FROM STDIN` in PostgreSQL). The caller owns the transaction.
    func bulkLoad(into table: String, columns: [String], _ produce: (BulkSink) throws -> Void) throws

    /// Makes a schema usable by name: SQLite attaches a sibling file, PostgreSQL creates the
    /// schema when `create` is set and it does not exist yet.
    func useSchema(_ schema: String, create: Bool) throws

    /// How this connection computes a lower-case hex SHA-1 of text, or nil when it cannot.
    func sha1Wrapper() throws -> DatabaseCapabilities.SHA1Wrapper?

    /// Tries once to take the named lock that keeps two materializations of one target apart.
    /// The lock is the engine's own and dies with the process (a PostgreSQL session advisory
    /// lock; an exclusive `flock` on a file beside the SQLite database), so a killed run never
    /// leaves a stale lock behind. `holder` describes this process to whoever finds it taken.
    func tryLock(_ name: String, holder: String) throws -> LockAttempt

    /// Releases a lock taken with ``tryLock(_:holder:)``.
    func unlock(_ name: String) throws
}

/// The outcome of ``Database/tryLock(_:holder:)``.
public enum LockAttempt: Sendable, Equatable {
    case acquired
    /// Someone else has it; the text names them as well as the engine can.
    case heldBy(String)
}

/// Receives rows during ``Database/bulkLoad(into:columns:_:)``.
public protocol BulkSink {
    func append(_ values: [SQLValue]) throws
}

extension Database {
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    /// All rows of a query, at most `limit` of them: for capped reads such as sample rows.
    public func rows(_ sql: String, _ bindings: [SQLValue] = [], limit: Int = 100_000) throws -> [Row] {
        var result: [Row] = []
        try forEachRow(sql, bindings) { row in
            result.append(row)
            return result.count < limit
        }
        return result
    }

    /// The first row of a query, if any.
    public func firstRow(_ sql: String, _ bindings: [SQLValue] = []) throws -> Row? {
        try rows(sql, bindings, limit: 1).first
    }

    /// The first column of the first row.
    public func scalar(_ sql: String, _ bindings: [SQLValue] = []) throws -> SQLValue {
        try firstRow(sql, bindings)?.values.first ?? .null
    }

    /// Runs `body` in a write transaction: committed when it returns, rolled back when it throws.
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute(dialect.beginWriteTransaction)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// Whether a table or view exists in a schema.
    public func tableExists(schema: String, table: String) throws -> Bool {
        try relationKind(schema: schema, name: table) != nil
    }

    /// The column names and declared types of a table, in table order; empty when it does not exist.
    public func columnTypes(schema: String, table: String) throws -> [(name: String, type: String)] {
        let (sql, bindings) = dialect.columnsQuery(schema: schema, table: table)
        return try rows(sql, bindings).compactMap { row in row[0].stringValue.map { ($0, row[1].stringValue ?? "") } }
    }

    /// `table` or `view` when `name` exists in `schema`, nil otherwise.
    public func relationKind(schema: String, name: String) throws -> String? {
        let (sql, bindings) = dialect.relationKindQuery(schema: schema, name: name)
        return try scalar(sql, bindings).stringValue
    }

    /// The column names of a table, in table order; empty when the table does not exist.
    public func columns(schema: String, table: String) throws -> [String] {
        try columnTypes(schema: schema, table: table).map(\.name)
    }
}
