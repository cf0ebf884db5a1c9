import CSQLite

/// A prepared SQLite statement, finalized when it goes away.
/// See https://www.sqlite.org/c3ref/stmt.html.
final class SQLiteStatement {
    let database: SQLiteDatabase
    let handle: OpaquePointer
    let sql: String

    /// Prepares the first statement of `sql`. With `single` set, any further statement in the
    /// text is an error instead of being silently ignored (or run, as `sqlite3_exec` would).
    convenience init(database: SQLiteDatabase, sql: String, single: Bool) throws {
        var tail = ""
        try self.init(database: database, sql: sql, tail: &tail)
        if single, try Self.hasStatement(database: database, tail) {
            throw DatabaseError(engine: .sqlite, code: "21", message: "more than one statement in one execute: idhealth runs one statement at a time", sql: sql)
        }
    }

    /// Prepares the first statement of `sql`; `tail` receives the text after it.
    init(database: SQLiteDatabase, sql: String, tail: inout String) throws {
        self.database = database
        self.sql = sql
        var statement: OpaquePointer?
        var rest = ""
        let code = sql.withCString { start -> Int32 in
            var end: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(database.handle, start, -1, &statement, &end)
            if let end { rest = String(cString: end) }
            return code
        }
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            if code == SQLITE_OK {
                throw DatabaseError(engine: .sqlite, code: "21", message: "empty statement", sql: sql)
            }
            throw database.error(code, sql: sql)
        }
        handle = statement
        tail = rest
    }

    /// Whether `text` holds another statement (not just spaces or comments).
    static func hasStatement(database: SQLiteDatabase, _ text: String) throws -> Bool {
        guard text.contains(where: { !$0.isWhitespace }) else { return false }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(database.handle, text, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        return code != SQLITE_OK || statement != nil
    }

    /// Prepares and hands over each statement of a script in turn.
    static func forEachStatement(database: SQLiteDatabase, script: String, _ body: (SQLiteStatement) throws -> Void) throws {
        var rest = script
        while try hasStatement(database: database, rest) {
            var tail = ""
            let statement = try SQLiteStatement(database: database, sql: rest, tail: &tail)
            try body(statement)
            rest = tail
        }
    }

    deinit {
        sqlite3_finalize(handle)
    }

    var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            // The length in bytes, so a NUL inside the text is kept, not taken for its end.
            case .text(let text): code = sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), idhealth_sqlite_transient())
            }
            if code != SQLITE_OK { throw database.error(code, sql: sql) }
        }
    }

    /// Advances one row; `true` while a row is available.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw database.error(code, sql: sql)
        }
    }

    func reset() throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func currentValues() -> [SQLValue] {
        (0..<sqlite3_column_count(handle)).map { column in
            switch sqlite3_column_type(handle, column) {
            case SQLITE_NULL: return .null
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
            default:
                guard let pointer = sqlite3_column_text(handle, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self))
            }
        }
    }
}
