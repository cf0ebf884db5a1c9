import Foundation

/// The materialization lock of an engine without advisory locks (Redshift): a row in the
/// table `idhealth_lock` of the target schema, with who holds it and until when.
///
/// Taking it is one transaction that locks the table (`LOCK TABLE`, which Redshift and
/// PostgreSQL both have, so two takers are serialized), drops an expired row and inserts a
/// row only where none is left. Unlike a session lock, a row outlives a killed process: it
/// stays until it expires (``lease``) or someone deletes it, and the message of a run that
/// finds it names the holder, the expiry and the `DELETE` that clears it.
///
/// A lock that had to create the target schema drops the table and the schema again when
/// nothing else was put there, so a first run refused for bad input leaves nothing behind, as
/// on every engine. Otherwise the table stays, empty, for the next run.
final class LockTable {
    static let tableName = "idhealth_lock"
    /// How long a row holds when its process is gone: longer than any run should take.
    static let lease: TimeInterval = 12 * 3600

    /// The schemas this connection created to hold a lock table.
    private var createdSchemas: Set<String> = []
    /// The token of each lock this connection holds, where the row carries one.
    private var tokens: [String: String] = [:]

    /// `now`, injected so a test can take the lock as of a later time.
    var now: () -> Date = Date.init

    func table(_ schema: String) -> QualifiedName { QualifiedName(schema, Self.tableName) }

    func tryLock(_ name: String, schema: String, holder: String, on database: any Database) throws -> LockAttempt {
        let d = database.dialect
        if try !database.schemaExists(schema) {
            try database.useSchema(schema, create: true)
            createdSchemas.insert(schema)
        }
        let lock = table(schema)
        try database.execute(d.createTable(lock, columns: [
            ColumnDefinition("name", .text, notNull: true), ColumnDefinition("holder", .text), ColumnDefinition("token", .text),
            ColumnDefinition("taken_at", .timestamp), ColumnDefinition("expires_at", .timestamp),
        ], ifNotExists: true))
        let now = self.now()
        let nowValue = SQL.timestamp(bind: UTCTime.format(Int64(now.timeIntervalSince1970)))
        let expires = SQL.timestamp(bind: UTCTime.format(Int64(now.addingTimeInterval(Self.lease).timeIntervalSince1970)))
        if !d.changesRowsInPlace {
            return try tryLockAppendOnly(name, lock: lock, holder: holder, now: nowValue, expires: expires, on: database)
        }
        if !d.hasLockTableStatement {
            return try tryLockWithoutLockTable(name, lock: lock, holder: holder, now: nowValue, expires: expires, on: database)
        }
        let inserted = try database.inTransaction { () -> Int in
            try database.execute("LOCK TABLE \(table: lock)")
            try database.execute("DELETE FROM \(table: lock) WHERE name = \(bind: .text(name)) AND expires_at < \(sql: nowValue)")
            return try database.execute("""
                INSERT INTO \(table: lock) (name, holder, taken_at, expires_at)
                SELECT \(bind: .text(name)), \(bind: .text(holder)), \(sql: nowValue), \(sql: expires)
                WHERE NOT EXISTS (SELECT 1 FROM \(table: lock) l WHERE l.name = \(bind: .text(name)))
                """)
        }
        if inserted == 1 { return .acquired }
        let row = try database.firstRow("""
            SELECT holder, \(sql: .timestampText("taken_at")) AS taken_at, \(sql: .timestampText("expires_at")) AS expires_at
            FROM \(table: lock) WHERE name = \(bind: .text(name))
            """)
        guard let row else { return .heldBy("another session (it may have just finished)") }
        let clear: SQL = "DELETE FROM \(table: lock) WHERE name = \(literal: .text(name))"
        return .heldBy("`\(row["holder"].stringValue ?? "?")` (a row of \(schema).\(Self.tableName) taken at \(row["taken_at"].stringValue ?? "?") UTC, expiring at \(row["expires_at"].stringValue ?? "?") UTC; if that run is gone, clear it with `\(d.render(clear).text)`)")
    }

    /// The lock on an engine without `LOCK TABLE` (Snowflake, BigQuery, Databricks), whose
    /// DDL and single statements are atomic but which cannot serialize two takers: each
    /// taker inserts a row with a token of its own unless a row is there already, then reads
    /// back the oldest row (by time, then token). The taker whose token that is holds the
    /// lock; any other deletes its own row and reports the holder. Two runs that insert at
    /// the same instant both read the same oldest row, so exactly one goes on.
    private func tryLockWithoutLockTable(_ name: String, lock: QualifiedName, holder: String, now: SQL, expires: SQL, on database: any Database) throws -> LockAttempt {
        let d = database.dialect
        let token = UUID().uuidString.lowercased()
        for statement in d.deleteRows(from: lock, where: "name = \(bind: .text(name)) AND expires_at < \(sql: now)") { try database.execute(statement) }
        try database.execute("""
            INSERT INTO \(table: lock) (name, holder, token, taken_at, expires_at)
            SELECT \(bind: .text(name)), \(bind: .text(holder)), \(bind: .text(token)), \(sql: now), \(sql: expires)
            WHERE NOT EXISTS (SELECT 1 FROM \(table: lock) l WHERE l.name = \(bind: .text(name)))
            """)
        let rows = try database.rows("""
            SELECT token, holder, \(sql: .timestampText("taken_at")) AS taken_at, \(sql: .timestampText("expires_at")) AS expires_at
            FROM \(table: lock) WHERE name = \(bind: .text(name)) ORDER BY taken_at, token
            """, limit: 1)
        if rows.first?["token"].stringValue == token {
            tokens[name] = token
            return .acquired
        }
        for statement in d.deleteRows(from: lock, where: "name = \(bind: .text(name)) AND token = \(bind: .text(token))") { try database.execute(statement) }
        guard let row = rows.first else { return .heldBy("another session (it may have just finished)") }
        let clear: SQL = "DELETE FROM \(table: lock) WHERE name = \(literal: .text(name))"
        return .heldBy("`\(row["holder"].stringValue ?? "?")` (a row of \(lock.schema).\(Self.tableName) taken at \(row["taken_at"].stringValue ?? "?") UTC, expiring at \(row["expires_at"].stringValue ?? "?") UTC; if that run is gone, clear it with `\(database.dialect.render(clear).text)`)")
    }

    /// The lock where no row can be deleted (Spark's Parquet tables, which only take
    /// appends): a taker appends a row with its token unless a live one is there, and a
    /// release appends a row of the same token without an expiry. The live rows are those
    /// with an expiry still ahead and no release; the oldest (by time, then token) holds the
    /// lock. Two takers in the same instant read the same oldest row, as above; the table
    /// grows by two rows a run.
    private func tryLockAppendOnly(_ name: String, lock: QualifiedName, holder: String, now: SQL, expires: SQL, on database: any Database) throws -> LockAttempt {
        let token = UUID().uuidString.lowercased()
        let live: SQL = """
            SELECT l.token, l.holder, l.taken_at, l.expires_at FROM \(table: lock) l
            WHERE l.name = \(bind: .text(name)) AND l.expires_at > \(sql: now)
              AND l.token NOT IN (SELECT r.token FROM \(table: lock) r WHERE r.name = \(bind: .text(name)) AND r.expires_at IS NULL)
            """
        try database.execute("""
            INSERT INTO \(table: lock) (name, holder, token, taken_at, expires_at)
            SELECT \(bind: .text(name)), \(bind: .text(holder)), \(bind: .text(token)), \(sql: now), \(sql: expires)
            WHERE NOT EXISTS (\(sql: live))
            """)
        let rows = try database.rows("""
            SELECT token, holder, \(sql: .timestampText("taken_at")) AS taken_at, \(sql: .timestampText("expires_at")) AS expires_at
            FROM (\(sql: live)) x ORDER BY taken_at, token
            """, limit: 1)
        if rows.first?["token"].stringValue == token {
            tokens[name] = token
            return .acquired
        }
        try release(name, token: token, lock: lock, on: database)
        guard let row = rows.first else { return .heldBy("another session (it may have just finished)") }
        return .heldBy("`\(row["holder"].stringValue ?? "?")` (a row of \(lock.schema).\(Self.tableName) taken at \(row["taken_at"].stringValue ?? "?") UTC, expiring at \(row["expires_at"].stringValue ?? "?") UTC; if that run is gone, clear it with `\(database.dialect.render(database.dialect.dropTable(lock)).text)`)")
    }

    /// Appends the release of `token` (``tryLockAppendOnly``).
    private func release(_ name: String, token: String, lock: QualifiedName, on database: any Database) throws {
        let now = SQL.timestamp(bind: UTCTime.format(Int64(self.now().timeIntervalSince1970)))
        try database.execute("""
            INSERT INTO \(table: lock) (name, holder, token, taken_at, expires_at)
            VALUES (\(bind: .text(name)), 'released', \(bind: .text(token)), \(sql: now), NULL)
            """)
    }

    /// Deletes the lock's row; where the lock created the schema, the table too and then the
    /// schema, unless the run put its tables there.
    func unlock(_ name: String, schema: String, on database: any Database) throws {
        let lock = table(schema)
        guard try database.tableExists(lock) else { return }
        let token = tokens.removeValue(forKey: name)
        if !database.dialect.changesRowsInPlace {
            if let token { try release(name, token: token, lock: lock, on: database) }
        } else {
            let condition: SQL = token.map { "name = \(bind: .text(name)) AND token = \(bind: .text($0))" } ?? "name = \(bind: .text(name))"
            for statement in database.dialect.deleteRows(from: lock, where: condition) { try database.execute(statement) }
        }
        guard createdSchemas.remove(schema) != nil else { return }
        let others = try database.tableNames(in: schema, prefix: "").count
        if others == 1 {
            try database.execute(database.dialect.dropTable(lock))
            try database.execute("DROP SCHEMA \(ident: schema)")
        }
    }
}

/// A session whose materialization lock is a row of ``LockTable`` (Snowflake, Spark): it
/// takes and releases the lock through it.
protocol LockRowSession: Database {
    var lockTable: LockTable { get }
}

extension LockRowSession {
    public func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt {
        try lockTable.tryLock(name, schema: schema, holder: holder, on: self)
    }

    public func unlock(_ name: String, schema: String) throws {
        try lockTable.unlock(name, schema: schema, on: self)
    }
}
