import Foundation

/// Spark SQL through a Spark Connect session (Databricks clusters, Databricks Connect, a
/// Spark Connect server), by the ADBC Spark driver.
///
/// What Spark lacks and idhealth needs is made here:
/// * **Catalog**: no `information_schema` outside Unity Catalog, so `SHOW SCHEMAS`,
///   `SHOW TABLES`/`SHOW VIEWS` and `DESCRIBE TABLE` (which every Spark catalog answers).
/// * **Temporary tables**: none, so each connection gets a schema of its own,
///   `idhealth_session_<token>` (the token starts with the time in milliseconds, hex), made
///   at connect and dropped with everything in it by ``close()``; one a killed run left
///   behind is dropped by the first connection that finds it a day old.
/// * **Transactions**: none across statements (Delta Lake commits each statement on its
///   own), so `BEGIN`/`COMMIT`/`ROLLBACK` do nothing (``ADBCConnection/autocommitOnly``).
/// * **Row changes**: Delta Lake tables take `DELETE`, `MERGE` and `CREATE OR REPLACE`;
///   a Spark whose default table format is another (open-source Spark's Parquet) gets a
///   dialect that rebuilds a table instead (``Dialect/changesRowsInPlace``).
/// * **Lock**: a row of `idhealth_lock`, inserted with a token and read back; without Delta
///   Lake a release is a second row, as no row can be deleted (``LockTable``).
/// * **NULL parameters**: the driver cannot bind a value of Arrow's null type
///   (``ADBCConnection/bindsNull``).
public final class SparkDatabase: ADBCSession, LockRowSession {
    public let dialect: Dialect
    public let target: String
    let lockTable = LockTable()
    let adbc: ADBCConnection
    private var closed = false

    init(_ connection: ADBCConnection, target: String) throws {
        adbc = connection
        self.target = target
        connection.autocommitOnly = true
        var format: String?
        try connection.forEachRow(RenderedSQL(text: "SET spark.sql.sources.default", bindings: [], labels: [])) { row in
            format = row[1].stringValue
            return false
        }
        let session = SessionSchema.newName()
        dialect = .spark(changesRowsInPlace: format?.lowercased() == "delta", sessionSchema: session)
        try dropStaleSessionSchemas()
        do {
            try execute("CREATE SCHEMA IF NOT EXISTS \(ident: session)")
        } catch let error as DatabaseError where error.isPermissionDenied {
            throw ConfigError("idhealth keeps its work tables on Spark in a schema of its own for each run (\(session)), which this user may not create: grant it CREATE SCHEMA on the catalog (\(error.message))")
        }
    }

    private func dropStaleSessionSchemas() throws {
        let now = Date()
        for schema in try allSchemas() {
            guard SessionSchema.isStale(schema, now: now) else { continue }
            try execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE")
        }
    }

    public func close() {
        guard !closed, let session = dialect.sessionSchema else { return }
        closed = true
        _ = try? execute("DROP SCHEMA IF EXISTS \(ident: session) CASCADE")
    }

    deinit { close() }

    // MARK: - Catalog

    private func allSchemas() throws -> [String] {
        try rows("SHOW SCHEMAS").compactMap { $0[0].stringValue }
    }

    public func schemaExists(_ schema: String) throws -> Bool {
        try allSchemas().contains { $0.lowercased() == schema.lowercased() }
    }

    public func useSchema(_ schema: String, create: Bool) throws {
        guard try !schemaExists(schema) else { return }
        guard create else { throw InputError("schema \(schema) does not exist in \(target)") }
        try execute("CREATE SCHEMA IF NOT EXISTS \(ident: schema)")
    }

    public func schemas(holding table: String) throws -> [String] {
        try allSchemas().filter { schema in
            guard !SessionSchema.isOne(schema) else { return false }
            return try relationKind(QualifiedName(schema, table)) != nil
        }.sorted()
    }

    /// The tables and views of a schema (`SHOW TABLES` lists both), by lower-case name;
    /// empty when the schema does not exist.
    private func relations(in schema: String) throws -> [(name: String, isView: Bool)] {
        guard try schemaExists(schema) else { return [] }
        let views = Set(try rows("SHOW VIEWS IN \(ident: schema)").compactMap { $0[1].stringValue?.lowercased() })
        return try rows("SHOW TABLES IN \(ident: schema)").compactMap { row in
            // Temporary views belong to no schema; SHOW TABLES lists them in every one.
            guard row[2].intValue != 1, row[2].stringValue?.lowercased() != "true", let name = row[1].stringValue?.lowercased() else { return nil }
            return (name, views.contains(name))
        }
    }

    public func relationKind(_ name: QualifiedName) throws -> RelationKind? {
        try relations(in: name.schema).first { $0.name == name.name.lowercased() }.map { $0.isView ? .view : .table }
    }

    public func tableNames(in schema: String, prefix: String) throws -> [String] {
        try relations(in: schema).filter { !$0.isView && $0.name.hasPrefix(prefix.lowercased()) }.map(\.name)
    }

    /// `DESCRIBE TABLE`'s columns, up to its first blank or `#` line (partitioning and
    /// details follow there).
    public func columnTypes(_ table: QualifiedName) throws -> [(name: String, type: String)] {
        guard try relationKind(table) != nil else { return [] }
        var columns: [(name: String, type: String)] = []
        try forEachRow("DESCRIBE TABLE \(table: table)") { row in
            guard let name = row[0].stringValue, !name.isEmpty, !name.hasPrefix("#") else { return false }
            columns.append((name, row[1].stringValue ?? ""))
            return true
        }
        return columns
    }

    // MARK: - SHA-1, waits

    public func sha1Support() throws -> SHA1Support { .available(functionSchema: nil) }

    /// Nothing: Delta Lake's writers do not wait for each other (a conflicting commit fails).
    public func setLockWait(seconds: Double) throws {}

    /// Empty: Spark has no view of other sessions' locks.
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] { [] }
}
