import Foundation

/// A database reached through an ADBC driver: statements, rows and bulk loads go through the
/// one ``ADBCConnection`` transport; what the engine says in SQL (catalog, lock, SHA-1) is
/// its session's, shared with the native connection where there is one
/// (``PostgresSession``).
protocol ADBCSession: Database {
    var adbc: ADBCConnection { get }
}

extension ADBCSession {
    /// The statement as the driver takes it: numbered placeholders where the engine numbers
    /// them (`$1` on PostgreSQL, `:1` on Snowflake), one `?` a value elsewhere; the values as
    /// the dialect's literals where the driver cannot bind them.
    func rendered(_ sql: SQL) -> RenderedSQL {
        let bound = dialect.placeholder(1) == "?" ? dialect.renderPositional(sql) : dialect.render(sql)
        if adbc.inlinesValues || (!adbc.bindsNull && bound.bindings.contains(.null)) {
            return RenderedSQL(text: dialect.renderInline(sql), bindings: [], labels: [])
        }
        return bound
    }

    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        try adbc.execute(rendered(sql))
    }

    public func executeScript(_ sql: SQL) throws {
        try adbc.executeScript(rendered(sql))
    }

    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        try adbc.forEachRow(rendered(sql), body)
    }

    /// Multi-row `INSERT`s of bound values, in the caller's transaction. A driver binds each
    /// value with its Arrow type (text as text, where libpq leaves the server to infer it), so
    /// a value for a column of another type is cast to it: a time given as text into a
    /// timestamp column.
    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        let declared = try columnTypes(table)
        let types = columns.map { column -> SQLType? in
            guard let type = declared.first(where: { dialect.columnName($0.name, is: column.lowercased()) || $0.name == column })?.type else { return nil }
            let portable = dialect.portableType(ofDeclared: type)
            return [.text, .untyped].contains(portable) ? nil : portable
        }
        let sink = InsertSink(database: self, table: table, columns: columns, parameterLimit: 7_000, columnTypes: types)
        try produce(sink)
        try sink.flush()
    }

    public func interrupter() -> DatabaseInterrupter { adbc.running }
}

/// A PostgreSQL server (or Redshift) through Apache's ADBC PostgreSQL driver: the catalog,
/// lock and SHA-1 statements of ``PostgresSession``, as over libpq and ODBC. It exists to
/// prove the ADBC layer against the native connection on the same server.
public final class ADBCPostgresDatabase: PostgresSession, ADBCSession {
    public let dialect: Dialect
    public let target: String
    let lockTable = LockTable()
    let adbc: ADBCConnection

    init(_ connection: ADBCConnection, dialect: Dialect, target: String) throws {
        adbc = connection
        self.dialect = dialect
        self.target = target
        try prepareSession()
    }
}
