/// A connection to one database: run SQL, stream rows, load rows in bulk.
///
/// This is the only seam between the tool and an engine. Everything above it builds ``SQL``
/// values and never asks which engine it talks to; the connection renders them with its
/// ``Dialect``. A connection is owned by one task at a time (its C handle is not
/// thread-safe), so it is not `Sendable`.
public protocol Database: AnyObject {
    /// The SQL differences of this engine.
    var dialect: Dialect { get }

    /// What the connection points at, safe to print: no password.
    var target: String { get }

    /// Runs exactly one statement, with its bound values; a second statement in the text is
    /// an error, never run. Returns the number of rows the statement changed.
    @discardableResult
    func execute(_ sql: SQL) throws -> Int

    /// Runs several `;`-separated statements, none of which may bind values: for scripts
    /// idhealth did not build (a fixture, a file written for another scheduler).
    func executeScript(_ sql: SQL) throws

    /// Streams the rows of one query to `body`, which returns `false` to stop early.
    /// Rows are never all held in memory.
    func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws

    /// Appends rows to an existing table as fast as the engine allows (a prepared insert
    /// in SQLite, `COPY … FROM STDIN` in PostgreSQL). The caller owns the transaction.
    func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws

    /// Makes a schema usable by name: SQLite attaches a sibling file, PostgreSQL creates the
    /// schema when `create` is set and it does not exist yet. Without `create`, a schema that
    /// does not exist is an ``InputError`` naming it.
    func useSchema(_ schema: String, create: Bool) throws

    /// Whether a schema exists (SQLite: `main`, `temp`, or its sibling file).
    func schemaExists(_ schema: String) throws -> Bool

    /// The schemas that hold a table or view of this name, sorted: what a message suggests
    /// when a schema was mistyped.
    func schemas(holding table: String) throws -> [String]

    /// Whether and how this connection computes a lower-case hex SHA-1 of text.
    func sha1Support() throws -> SHA1Support

    /// Tries once to take the named lock that keeps two materializations of one target apart.
    /// The lock is the engine's own and dies with the process (a PostgreSQL session advisory
    /// lock; an exclusive `flock` on a file beside the SQLite database), so a killed run never
    /// leaves a stale lock behind. `holder` describes this process to whoever finds it taken.
    /// An engine with neither keeps a row in a table of `schema` (``LockTable``).
    func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt

    /// Releases a lock taken with ``tryLock(_:holder:)``.
    func unlock(_ name: String, schema: String) throws

    /// How long a statement of this connection waits for a lock another session holds
    /// before it fails (0: as long as it takes). PostgreSQL's `lock_timeout`, SQLite's busy
    /// timeout.
    func setLockWait(seconds: Double) throws

    /// Who holds a lock on any of `tables` besides this connection, in words, one session a
    /// line; empty when the engine cannot say (SQLite) or nobody does.
    func lockHolders(of tables: [QualifiedName]) throws -> [String]

    /// What stops this connection's running statement from another thread (a signal
    /// handler's), valid as long as the connection is open.
    func interrupter() -> DatabaseInterrupter

    /// Whether a full rebuild puts each staged table in place with the dialect's atomic
    /// exchange (``Dialect/replaceTable(_:with:)``: Snowflake's `SWAP WITH`) rather than a
    /// drop and a rename inside the run's transaction.
    var exchangesTables: Bool { get }

    /// The column names and declared types of a table, in table order; empty when it does
    /// not exist. By default from the dialect's catalog query (``Dialect/columnsQuery(_:)``).
    func columnTypes(_ table: QualifiedName) throws -> [(name: String, type: String)]

    /// Whether `name` is a table or a view, nil when it does not exist.
    func relationKind(_ name: QualifiedName) throws -> RelationKind?

    /// The tables of a schema (the temporary one included) whose names start with `prefix`.
    func tableNames(in schema: String, prefix: String) throws -> [String]

    /// A schema for views that last as long as the connection (`--as-of`'s views of the raw
    /// tables): the temporary schema where views can be temporary; on Snowflake a schema of
    /// the connection's own, made on first use and dropped by ``close()``. A ``ConfigError``
    /// where there is neither.
    func viewSchema() throws -> String

    /// Ends what the connection keeps on the server for its run (Spark's session schema);
    /// nothing where the engine drops it with the session. Called once, before the process exits.
    func close()
}

/// Stops the statement a connection is running, from any thread; a no-op when none is.
public protocol DatabaseInterrupter: Sendable {
    func interrupt()
}

/// Whether a connection can compute SHA-1 (`external_id_hash`), and where its function lives.
public enum SHA1Support: Sendable, Hashable {
    /// Available; PostgreSQL's pgcrypto names its schema, SQLite's registered function none.
    case available(functionSchema: String?)
    /// Not available, and why (with what would enable it).
    case unavailable(reason: String)

    /// The SHA-1 of `value` as lower-case hex, or nil when the connection cannot compute it.
    public func hex(_ value: SQL) -> SQL? {
        guard case .available(let schema) = self else { return nil }
        return .expression(.sha1Hex(value, functionSchema: schema))
    }
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
    public var exchangesTables: Bool { false }

    /// Runs a statement the engine may not have, such as an index where there are none
    /// (``Dialect/hasIndexes``); nil runs nothing.
    @discardableResult
    public func execute(_ sql: SQL?) throws -> Int {
        guard let sql else { return 0 }
        return try execute(sql)
    }

    /// All rows of a query, at most `limit` of them: for capped reads such as sample rows.
    public func rows(_ sql: SQL, limit: Int = 100_000) throws -> [Row] {
        var result: [Row] = []
        try forEachRow(sql) { row in
            result.append(row)
            return result.count < limit
        }
        return result
    }

    /// The first row of a query, if any.
    public func firstRow(_ sql: SQL) throws -> Row? {
        try rows(sql, limit: 1).first
    }

    /// The first column of the first row.
    public func scalar(_ sql: SQL) throws -> SQLValue {
        try firstRow(sql)?.values.first ?? .null
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
    public func tableExists(_ name: QualifiedName) throws -> Bool {
        try relationKind(name) != nil
    }

    public func columnTypes(_ table: QualifiedName) throws -> [(name: String, type: String)] {
        try rows(dialect.columnsQuery(table)).compactMap { row in row[0].stringValue.map { ($0, row[1].stringValue ?? "") } }
    }

    public func relationKind(_ name: QualifiedName) throws -> RelationKind? {
        try scalar(dialect.relationKindQuery(name)).stringValue.flatMap(RelationKind.init(rawValue:))
    }

    public func tableNames(in schema: String, prefix: String) throws -> [String] {
        try rows(dialect.tablesQuery(schema: schema, prefix: prefix)).compactMap { $0[0].stringValue }
    }

    public func close() {}

    public func viewSchema() throws -> String {
        guard dialect.hasTemporaryViews else {
            throw ConfigError("--as-of needs views that go with the connection, which idhealth does not make on \(dialect.engine.displayName) in this version")
        }
        return dialect.temporarySchema
    }

    /// The column names of a table, in table order; empty when the table does not exist.
    public func columns(_ table: QualifiedName) throws -> [String] {
        try columnTypes(table).map(\.name)
    }
}

/// A connection that wraps another and changes how some calls behave (counting, tracing,
/// interrupting, linting statements): everything it does not implement itself goes to
/// `base` unchanged.
public protocol DatabaseDecorator: Database {
    var base: any Database { get }
}

extension DatabaseDecorator {
    public var dialect: Dialect { base.dialect }
    public var target: String { base.target }
    public func execute(_ sql: SQL) throws -> Int { try base.execute(sql) }
    public func executeScript(_ sql: SQL) throws { try base.executeScript(sql) }
    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws { try base.forEachRow(sql, body) }
    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        try base.bulkLoad(into: table, columns: columns, produce)
    }
    public func useSchema(_ schema: String, create: Bool) throws { try base.useSchema(schema, create: create) }
    public func schemaExists(_ schema: String) throws -> Bool { try base.schemaExists(schema) }
    public func schemas(holding table: String) throws -> [String] { try base.schemas(holding: table) }
    public func sha1Support() throws -> SHA1Support { try base.sha1Support() }
    public func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt { try base.tryLock(name, schema: schema, holder: holder) }
    public func unlock(_ name: String, schema: String) throws { try base.unlock(name, schema: schema) }
    public func setLockWait(seconds: Double) throws { try base.setLockWait(seconds: seconds) }
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] { try base.lockHolders(of: tables) }
    public func interrupter() -> DatabaseInterrupter { base.interrupter() }
    public var exchangesTables: Bool { base.exchangesTables }
    public func columnTypes(_ table: QualifiedName) throws -> [(name: String, type: String)] { try base.columnTypes(table) }
    public func relationKind(_ name: QualifiedName) throws -> RelationKind? { try base.relationKind(name) }
    public func tableNames(in schema: String, prefix: String) throws -> [String] { try base.tableNames(in: schema, prefix: prefix) }
    public func close() { base.close() }
    public func viewSchema() throws -> String { try base.viewSchema() }
}
