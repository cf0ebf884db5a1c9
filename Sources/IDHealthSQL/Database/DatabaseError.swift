import Foundation

/// An error reported by a database engine, with the engine's own code and message and the SQL
/// that failed.
///
/// Bound values never appear here: they may be personal data. Connection strings never appear
/// either: they may hold a password.
public struct DatabaseError: ClassifiedError, Sendable {
    /// The engine's code: SQLite's extended result code, or PostgreSQL's SQLSTATE.
    public let code: String
    public let message: String
    /// PostgreSQL's DETAIL and HINT fields, when the server sent them.
    public let detail: String?
    public let hint: String?
    public let sql: String?
    public let engine: Dialect.Engine
    /// What the message calls the source when it is not the engine: `ODBC` for a connection
    /// that failed before the driver said which engine it reaches (a bare `DSN=`).
    public let label: String?

    public init(engine: Dialect.Engine, code: String, message: String, detail: String? = nil, hint: String? = nil, sql: String? = nil, label: String? = nil) {
        self.engine = engine
        self.label = label
        self.code = code
        self.message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        self.detail = detail
        self.hint = hint
        self.sql = sql
    }

    public var kind: FailureKind { .database }

    /// Whether a statement gave up waiting for a lock another session holds: PostgreSQL's
    /// SQLSTATE 55P03 (`lock_timeout`), SQLite's SQLITE_BUSY or SQLITE_LOCKED (busy timeout).
    public var isLockTimeout: Bool {
        switch engine {
        case .postgres, .redshift: return code == "55P03"
        case .snowflake, .bigquery, .databricks: return false
        case .sqlite: return Int(code).map { [5, 6].contains($0 & 0xFF) } ?? false
        }
    }

    /// Whether the engine refused for lack of a privilege or because the database is
    /// read-only, as opposed to failing: PostgreSQL's SQLSTATE 42501 (insufficient
    /// privilege) or 25006 (read-only transaction), and Snowflake's and Spark's 42501;
    /// SQLite's SQLITE_READONLY, SQLITE_PERM or SQLITE_AUTH, whatever their extended code.
    public var isPermissionDenied: Bool {
        switch engine {
        case .postgres, .redshift: return code == "42501" || code == "25006"
        // Snowflake's driver passes the SQLSTATE; Spark's names its error class and SQLSTATE
        // in the message only.
        case .snowflake: return code == "42501"
        case .databricks:
            return code == "42501" || ["SQLSTATE: 42501", "[INSUFFICIENT_PERMISSIONS", "PERMISSION_DENIED"].contains { message.contains($0) }
        // BigQuery's error reason.
        case .bigquery: return code == "accessDenied" || code == "PERMISSION_DENIED"
        case .sqlite: return Int(code).map { [8, 3, 23].contains($0 & 0xFF) } ?? false
        }
    }

    /// Whether BigQuery refused the credentials (HTTP 401: an expired or malformed token).
    public var isAuthenticationFailure: Bool {
        engine == .bigquery && ["http401", "authError", "UNAUTHENTICATED", "unauthorized"].contains(code)
    }

    public var description: String {
        var text = "\(label ?? engine.displayName) error \(code): \(message)"
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        if let hint, !hint.isEmpty { text += " Hint: \(hint)" }
        if let sql {
            let compact = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            let shown = compact.count > 400 ? String(compact.prefix(400)) + " …" : compact
            text += " - while executing `\(shown)`"
        }
        return text
    }

}

