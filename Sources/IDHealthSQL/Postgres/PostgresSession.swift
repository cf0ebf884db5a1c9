/// What a connection to a PostgreSQL server (or Redshift) says in SQL alone, whichever client
/// library carries it: libpq (``PostgresDatabase``) or an ODBC driver (``ODBCDatabase``). The
/// catalog, the advisory lock and its holder, the lock wait and SHA-1 are plain statements, so
/// both connections run exactly the same ones.
protocol PostgresSession: Database {
    /// The materialization lock where the dialect has no advisory locks.
    var lockTable: LockTable { get }
}

/// The helpers of the advisory lock.
enum PostgresSessionLock {
    /// The first key of every idhealth advisory lock ("idh" in ASCII), so its locks are told
    /// apart from an application's own; the second key is `hashtext(name)`.
    static let advisoryLockClass: Int32 = 0x69_64_68

    /// `holder` as an `application_name`, which PostgreSQL cuts at 63 bytes: a longer one
    /// loses whole trailing words, never half of one ("… UTC", not "… UT").
    static func applicationName(_ holder: String) -> String {
        var words = holder.split(separator: " ", omittingEmptySubsequences: false)
        while words.joined(separator: " ").utf8.count > 63, words.count > 1 { words.removeLast() }
        let name = words.joined(separator: " ")
        var fitting = ""
        for character in name {
            guard fitting.utf8.count + String(character).utf8.count <= 63 else { break }
            fitting.append(character)
        }
        return fitting
    }

}

extension PostgresSession {
    /// What every session sets before its first statement: notices quiet, times in UTC (the
    /// text form of `timestamptz` values idhealth reads and compares).
    func prepareSession() throws {
        try execute("SET client_min_messages = warning")
        try execute("SET TIME ZONE 'UTC'")
    }

    public func useSchema(_ schema: String, create: Bool) throws {
        guard try !schemaExists(schema) else { return }
        guard create else { throw InputError("schema \(schema) does not exist in \(target)") }
        try execute("CREATE SCHEMA \(ident: schema)")
    }

    public func schemaExists(_ schema: String) throws -> Bool {
        // The connection's own temporary schema is there whenever it is named (pg_temp_N).
        if schema == dialect.temporarySchema { return true }
        return try firstRow("SELECT 1 FROM pg_namespace WHERE nspname = \(bind: .text(schema))") != nil
    }

    public func schemas(holding table: String) throws -> [String] {
        try rows("""
            SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = \(bind: .text(table)) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
            ORDER BY 1
            """).compactMap { $0[0].stringValue }
    }

    /// A session advisory lock: held until released or until the session ends, which a killed
    /// process's session does at once. While held, `application_name` says who holds it, so a
    /// second run can name the holder from `pg_stat_activity`.
    /// See https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS.
    public func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt {
        if dialect.lockKind == .row { return try lockTable.tryLock(name, schema: schema, holder: holder, on: self) }
        let lockClass = SQLValue.integer(Int64(PostgresSessionLock.advisoryLockClass))
        let taken = try scalar("SELECT pg_try_advisory_lock(\(literal: lockClass), hashtext(\(bind: .text(name))))")
        if taken.intValue == 1 {
            try execute("SELECT set_config('application_name', \(bind: .text(PostgresSessionLock.applicationName(holder))), false)")
            return .acquired
        }
        let sql: SQL = """
            SELECT a.pid, a.application_name, a.usename, COALESCE(host(a.client_addr), 'local socket') AS client,
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS since
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = CAST(\(literal: lockClass) AS oid)
              AND l.objid = CAST(hashtext(\(bind: .text(name))) AS oid) AND l.objsubid = 2
            """
        guard let row = try firstRow(sql) else {
            return .heldBy("another session (it may have just finished)")
        }
        let pid = row["pid"].intValue.map(String.init) ?? "?"
        let application = row["application_name"].stringValue ?? ""
        let user = row["usename"].stringValue ?? "?"
        return .heldBy("\(application.isEmpty ? "a session" : "`\(application)`") — PostgreSQL backend pid \(pid), user \(user), from \(row["client"].stringValue ?? "?"), connected since \(row["since"].stringValue ?? "?") UTC")
    }

    /// Redshift has no `lock_timeout`: there a statement waits for a lock as long as it takes.
    public func setLockWait(seconds: Double) throws {
        guard dialect.engine == .postgres else { return }
        try execute("SELECT set_config('lock_timeout', \(bind: .text(String(Int((seconds * 1000).rounded())) + "ms")), false)")
    }

    /// The sessions holding a granted lock on the tables, from `pg_locks` and
    /// `pg_stat_activity`: pid, user, application, state and since when.
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] {
        guard !tables.isEmpty, dialect.engine == .postgres else { return [] }
        let names = tables.map { SQL.bind(.text(dialect.quote($0.schema) + "." + dialect.quote($0.name))) }.joined(separator: ", ")
        let sql: SQL = """
            SELECT DISTINCT a.pid, a.usename, a.application_name, a.state,
                   to_char(COALESCE(a.xact_start, a.backend_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS since
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND l.pid <> pg_backend_pid()
              AND l.relation IN (SELECT to_regclass(n) FROM unnest(ARRAY[\(sql: names)]) AS n)
            ORDER BY a.pid
            """
        return try rows(sql).map { row in
            let application = row["application_name"].stringValue ?? ""
            return "PostgreSQL backend pid \(row["pid"].stringValue ?? "?") (user \(row["usename"].stringValue ?? "?")\(application.isEmpty ? "" : ", application `\(application)`"), \(row["state"].stringValue ?? "?") since \(row["since"].stringValue ?? "?") UTC)"
        }
    }

    public func unlock(_ name: String, schema: String) throws {
        if dialect.lockKind == .row { return try lockTable.unlock(name, schema: schema, on: self) }
        try execute("SELECT pg_advisory_unlock(\(literal: .integer(Int64(PostgresSessionLock.advisoryLockClass))), hashtext(\(bind: .text(name))))")
        try execute("SELECT set_config('application_name', 'idhealth', false)")
    }

    /// pgcrypto's `digest()`, in whatever schema the extension was installed into; Redshift's
    /// built-in `FUNC_SHA1`.
    public func sha1Support() throws -> SHA1Support {
        if dialect.engine == .redshift { return .available(functionSchema: nil) }
        let sql: SQL = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgcrypto'"
        guard let schema = try firstRow(sql)?[0].stringValue else {
            return .unavailable(reason: "PostgreSQL has no SHA-1 without the pgcrypto extension: run `CREATE EXTENSION pgcrypto;` (or ask your DBA) to enable this check")
        }
        return .available(functionSchema: schema)
    }
}
