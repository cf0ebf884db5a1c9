import Foundation

/// Snowflake through Apache's ADBC Snowflake driver: its catalog is `information_schema` of
/// the connection's database (names stored upper case, as unquoted names fold there), its
/// SHA-1 the built-in `SHA1`, its lock a row of `idhealth_lock` inserted with a token and
/// read back (Snowflake has no advisory locks and no `LOCK TABLE`: ``LockTable``).
public final class SnowflakeDatabase: ADBCSession, LockRowSession {
    public let dialect = Dialect.snowflake
    public let target: String
    let lockTable = LockTable()
    let adbc: ADBCConnection

    /// `ALTER TABLE … SWAP WITH` for a full rebuild's tables, except on fakesnow's server,
    /// which does not parse it: there the tables are dropped and renamed, one committed
    /// statement after another (docs/warehouses.md).
    public var exchangesTables: Bool { !adbc.autocommitOnly }

    /// `namesSchema`: the DSN names a schema (`…/DATABASE/SCHEMA`), the session's current one.
    init(_ connection: ADBCConnection, target: String, namesSchema: Bool) throws {
        adbc = connection
        self.target = target
        hasCurrentSchema = namesSchema
    }

    /// Rows with their column names in lower case: Snowflake folds the unquoted aliases of
    /// idhealth's SQL to upper case (`AS segment_ids` is `SEGMENT_IDS`), and every name is
    /// case-blind there, so the reports' sample columns read as on every other engine.
    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        var lowered: [String]?
        try adbc.forEachRow(rendered(sql)) { row in
            let columns = lowered ?? row.columns.map { $0.lowercased() }
            lowered = columns
            return try body(Row(columns: columns, values: row.values))
        }
    }

    public func useSchema(_ schema: String, create: Bool) throws {
        guard try !schemaExists(schema) else { return }
        guard create else { throw InputError("schema \(schema) does not exist in \(target)") }
        try execute("CREATE SCHEMA IF NOT EXISTS \(ident: schema)")
        try useAsCurrentSchemaIfNone(schema)
    }

    public func schemaExists(_ schema: String) throws -> Bool {
        let exists = try firstRow("SELECT 1 FROM information_schema.schemata WHERE schema_name = UPPER(\(bind: .text(schema)))") != nil
        if exists { try useAsCurrentSchemaIfNone(schema) }
        return exists
    }

    /// Whether the session has a current schema idhealth may leave as it is.
    private var hasCurrentSchema: Bool

    /// Snowflake keeps a session's temporary tables in its current schema, which a DSN that
    /// names only the database leaves unset (the stand-in, fakesnow, answers DuckDB's `main`, where
    /// nothing can be created): the first schema idhealth uses becomes it. (The
    /// temporary tables are the session's alone, wherever they live, and go with it.)
    private func useAsCurrentSchemaIfNone(_ schema: String) throws {
        guard !hasCurrentSchema else { return }
        try execute("USE SCHEMA \(ident: schema)")
        hasCurrentSchema = true
    }

    public func schemas(holding table: String) throws -> [String] {
        try rows("""
            SELECT DISTINCT table_schema FROM information_schema.tables
            WHERE table_name = UPPER(\(bind: .text(table))) AND table_schema <> 'INFORMATION_SCHEMA' ORDER BY 1
            """).compactMap { $0[0].stringValue }
    }

    public func sha1Support() throws -> SHA1Support { .available(functionSchema: nil) }

    /// The schema of this connection's `--as-of` views, once made.
    private var viewSchemaName: String?

    /// Snowflake's temporary views would live in the current schema, beside (or over) the
    /// raw tables they are named after: the views go into a schema of the connection's own
    /// (``SessionSchema``), and the session's current schema is set back, since `CREATE
    /// SCHEMA` makes the new one current there.
    public func viewSchema() throws -> String {
        if let viewSchemaName { return viewSchemaName }
        let previous = hasCurrentSchema ? try scalar("SELECT CURRENT_SCHEMA()").stringValue : nil
        let now = Date()
        for row in try rows("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'IDHEALTH!_SESSION!_%' ESCAPE '!'") {
            guard let stale = row[0].stringValue, SessionSchema.isStale(stale, now: now) else { continue }
            try execute("DROP SCHEMA IF EXISTS \(ident: stale) CASCADE")
        }
        let name = SessionSchema.newName()
        try execute("CREATE SCHEMA \(ident: name)")
        viewSchemaName = name
        if let previous { try execute("USE SCHEMA \(ident: previous)") }
        return name
    }

    public func close() {
        guard let name = viewSchemaName else { return }
        viewSchemaName = nil
        _ = try? execute("DROP SCHEMA IF EXISTS \(ident: name) CASCADE")
    }

    /// Nothing: a Snowflake statement waits for a locked table as long as the account's
    /// `LOCK_TIMEOUT` says (12 hours unless set), and idhealth never holds table locks there.
    public func setLockWait(seconds: Double) throws {}

    /// Empty: Snowflake's `SHOW LOCKS` needs a role that sees other users' sessions.
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] { [] }
}
