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
        var code = sqlite3_create_function_v2(handle, "regexp", 2, flags, nil, regexpFunction, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(handle, code, "regexp") }
        code = sqlite3_create_function_v2(handle, sha1, 1, flags, nil, sha1Function, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(handle, code, sha1) }
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

/// `regexp(pattern, value)`: what `value REGEXP pattern` calls. The compiled pattern is cached
/// on the statement with sqlite3_set_auxdata, so a scan compiles it once.
private let regexpFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, arguments in
    guard let arguments else { return }
    guard let pattern = SQLiteFunctions.text(arguments[0]), let value = SQLiteFunctions.text(arguments[1]) else {
        sqlite3_result_null(context)
        return
    }
    let expression: NSRegularExpression
    if let cached = sqlite3_get_auxdata(context, 0) {
        expression = Unmanaged<NSRegularExpression>.fromOpaque(cached).takeUnretainedValue()
    } else {
        guard let compiled = try? NSRegularExpression(pattern: pattern) else {
            sqlite3_result_error(context, "regexp: invalid pattern \(pattern)", -1)
            return
        }
        expression = compiled
        sqlite3_set_auxdata(context, 0, Unmanaged.passRetained(compiled).toOpaque()) { pointer in
            if let pointer { Unmanaged<NSRegularExpression>.fromOpaque(pointer).release() }
        }
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
