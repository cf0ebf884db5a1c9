import Foundation

/// The names of the schemas a connection makes for itself where the engine has no temporary
/// schema for what idhealth needs (Spark's work tables, Snowflake's `--as-of` views):
/// `idhealth_session_`, the time in milliseconds since 1970 as 12 hex digits, and 8 random
/// ones. They sort by age and never collide; one a killed run left behind is recognised by
/// its name and dropped by a later connection once it is a day old.
enum SessionSchema {
    static let prefix = "idhealth_session_"
    /// Longer than any run.
    static let staleAfter: TimeInterval = 24 * 3600

    static func newName(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return prefix + String(format: "%012llx%08x", millis, UInt32.random(in: .min ... .max))
    }

    /// Whether `name` is such a schema (in any case: Snowflake's catalog says it upper case).
    static func isOne(_ name: String) -> Bool {
        name.lowercased().hasPrefix(prefix)
    }

    /// When the schema `name` was made, nil when it is not one.
    static func started(_ name: String) -> Date? {
        guard isOne(name) else { return nil }
        let token = name.dropFirst(prefix.count)
        guard token.count == 20, let millis = UInt64(token.prefix(12), radix: 16) else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    static func isStale(_ name: String, now: Date = Date()) -> Bool {
        started(name).map { now.timeIntervalSince($0) > staleAfter } ?? false
    }
}
