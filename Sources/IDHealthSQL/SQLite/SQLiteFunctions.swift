import CSQLite
import Foundation

/// Application-defined SQL functions SQLite lacks and the checks need, registered on every
/// connection so the work stays in the database.
/// See https://www.sqlite.org/appfunc.html.
enum SQLiteFunctions {
    /// The name the checks call for SHA-1 (lower-case hex of the UTF-8 text).
    static let sha1 = "idhealth_sha1"

    static func register(on handle: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        // The connection's pattern cache rides along as the function's user data and is
        // released with the function when the connection closes.
        let cache = Unmanaged.passRetained(RegexCache()).toOpaque()
        var code = sqlite3_create_function_v2(handle, "regexp", 2, flags, cache, regexpFunction, nil, nil) { pointer in
            if let pointer { Unmanaged<RegexCache>.fromOpaque(pointer).release() }
        }
        guard code == SQLITE_OK else { throw failure(handle, code, "regexp") }
        code = sqlite3_create_function_v2(handle, sha1, 1, flags, nil, sha1Function, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(handle, code, sha1) }
    }

    /// Registers the functions on every SQLite connection this process opens from now on,
    /// whoever opens it: the SQLite ODBC driver opens its own connection inside
    /// `SQLDriverConnect`, through the same system libsqlite3, and finds them there
    /// (https://www.sqlite.org/c3ref/auto_extension.html). Installed once; a connection
    /// opened by a driver built on its own copy of SQLite does not get them, which
    /// ``ODBCSQLiteDatabase`` notices and says.
    static func registerOnEveryConnection() {
        _ = automaticRegistration
    }

    private static let automaticRegistration: Int32 = idhealth_sqlite_auto_extension { handle, _, _ in
        guard let handle else { return SQLITE_ERROR }
        do {
            try register(on: handle)
            return SQLITE_OK
        } catch {
            return SQLITE_ERROR
        }
    }

    private static func failure(_ handle: OpaquePointer, _ code: Int32, _ name: String) -> DatabaseError {
        DatabaseError(engine: .sqlite, code: String(code), message: "cannot register \(name)(): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// The value's bytes as SQLite holds them: all of them, a NUL or invalid UTF-8 included.
    static func bytes(_ value: OpaquePointer?) -> [UInt8]? {
        guard let value, sqlite3_value_type(value) != SQLITE_NULL else { return nil }
        // sqlite3_value_text first: it makes a number text; then its length in bytes.
        guard let pointer = sqlite3_value_text(value) else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(sqlite3_value_bytes(value))))
    }

    /// The value as text (invalid UTF-8 shown as U+FFFD).
    static func text(_ value: OpaquePointer?) -> String? {
        bytes(value).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Compiled regular expressions by pattern, one cache per connection. sqlite3_set_auxdata
/// would keep a compilation only while the pattern argument is a constant of the statement;
/// `blocked_values` reads its patterns from a table, so without this every row compiled every
/// pattern again (57 s of the check at 1M profiles). A connection is used by one thread at a
/// time (SQLITE_OPEN_NOMUTEX), so the cache needs no lock.
final class RegexCache {
    private var compiled: [String: NSRegularExpression] = [:]

    func expression(_ pattern: String) -> NSRegularExpression? {
        if let expression = compiled[pattern] { return expression }
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        // Patterns come from the config and the check files: a handful. A runaway caller
        // (a query making patterns from data) only loses the cache, not memory.
        if compiled.count >= 1_000 { compiled.removeAll() }
        compiled[pattern] = expression
        return expression
    }
}

/// `regexp(pattern, value)`: what `value REGEXP pattern` calls, with the pattern compiled once
/// per connection (``RegexCache``).
private let regexpFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    guard let arguments, let cache = sqlite3_user_data(context) else { return }
    guard let pattern = SQLiteFunctions.text(arguments[0]), let value = SQLiteFunctions.text(arguments[1]) else {
        sqlite3_result_null(context)
        return
    }
    guard let expression = Unmanaged<RegexCache>.fromOpaque(cache).takeUnretainedValue().expression(pattern) else {
        sqlite3_result_error(context, "regexp: invalid pattern \(pattern)", -1)
        return
    }
    let range = NSRange(value.startIndex..<value.endIndex, in: value)
    sqlite3_result_int(context, expression.firstMatch(in: value, range: range) == nil ? 0 : 1)
}

/// `idhealth_sha1(text)`: lower-case hex SHA-1 of the text's UTF-8 bytes, as Segment's
/// external_id_hash.
private let sha1Function: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    // The digest of the bytes as stored, not of their text: a value with invalid UTF-8 was
    // hashed by whoever wrote it over its bytes too.
    guard let arguments, let bytes = SQLiteFunctions.bytes(arguments[0]) else {
        sqlite3_result_null(context)
        return
    }
    sqlite3_result_text(context, SHA1Hex.digest(bytes: bytes), -1, idhealth_sqlite_transient())
}
