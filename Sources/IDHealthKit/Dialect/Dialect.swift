/// Every SQL difference between the engines idhealth speaks to.
///
/// Code above the database layer builds SQL only through this value, so adding an engine
/// means adding cases here, not `if engine == …` branches elsewhere. Identifiers are always
/// quoted (an embedded quote doubled), values are always bound through ``placeholder(_:)``.
public struct Dialect: Sendable, Hashable {
    /// The engines a dialect exists for.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        case sqlite
        case postgres

        public var displayName: String {
            switch self {
            case .sqlite: return "SQLite"
            case .postgres: return "PostgreSQL"
            }
        }
    }

    public let engine: Engine

    public static let sqlite = Dialect(engine: .sqlite)
    public static let postgres = Dialect(engine: .postgres)

    // MARK: - Names

    /// The schema a bare table name lives in.
    public var defaultSchema: String {
        switch engine {
        case .sqlite: return "main"
        case .postgres: return "public"
        }
    }

    /// Quotes an identifier (schema, table, column), doubling any embedded double quote.
    public func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."table"`.
    public func qualified(_ schema: String, _ table: String) -> String {
        quote(schema) + "." + quote(table)
    }

    /// The bind placeholder for the 1-based parameter `index`.
    public func placeholder(_ index: Int) -> String {
        switch engine {
        case .sqlite: return "?\(index)"
        case .postgres: return "$\(index)"
        }
    }

    // MARK: - Types

    /// Column type for identifiers and free text.
    public var textType: String { "TEXT" }
    /// Column type for 64-bit integers (seq, counts).
    public var integerType: String { "BIGINT" }
    /// Column type for floating-point values.
    public var realType: String {
        switch engine {
        case .sqlite: return "REAL"
        case .postgres: return "DOUBLE PRECISION"
        }
    }
    /// Column type for event and landing times. SQLite has no such type: times are ISO-8601
    /// text in UTC, which sorts and compares correctly.
    public var timestampType: String {
        switch engine {
        case .sqlite: return "TEXT"
        case .postgres: return "TIMESTAMPTZ"
        }
    }

    /// A timestamp literal in the form ``timestampType`` stores, for COPY and bound values.
    public func timestampLiteral(_ utcText: String) -> String {
        switch engine {
        case .sqlite: return utcText
        case .postgres: return utcText + "+00"
        }
    }

    /// An expression giving `expression` (a timestamp column) as `YYYY-MM-DD HH:MM:SS` text
    /// in UTC, so results compare equal across engines.
    public func timestampText(_ expression: String) -> String {
        switch engine {
        case .sqlite: return "strftime('%Y-%m-%d %H:%M:%S', \(expression))"
        case .postgres: return "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        }
    }

    /// A constant of ``timestampType`` from `YYYY-MM-DD HH:MM:SS` text that idhealth itself
    /// formatted (never user input).
    public func timestampConstant(_ utcText: String) -> String {
        "CAST('\(utcText.replacingOccurrences(of: "'", with: "''"))' AS \(timestampType))"
    }

    // MARK: - Functions

    /// Whether `value` matches the regular expression `pattern`. SQLite has no built-in
    /// implementation: idhealth registers `regexp()` on every SQLite connection.
    public func regexpMatch(_ value: String, pattern: String) -> String {
        switch engine {
        case .sqlite: return "regexp(\(pattern), \(value))"
        case .postgres: return "(\(value) ~ \(pattern))"
        }
    }

    /// Why SHA-1 cannot be computed here, for a check that needs it.
    public var sha1UnavailableReason: String {
        switch engine {
        case .sqlite: return "SHA-1 is not available on this SQLite connection"
        case .postgres: return "PostgreSQL has no SHA-1 without the pgcrypto extension: run `CREATE EXTENSION pgcrypto;` (or ask your DBA) to enable this check"
        }
    }

    /// A bound timestamp text as a value comparable with timestamp columns.
    public func castToTimestamp(_ expression: String) -> String {
        switch engine {
        case .sqlite: return expression
        case .postgres: return "CAST(\(expression) AS TIMESTAMPTZ)"
        }
    }

    /// Hours from `earlier` to `later` as a real number.
    public func hoursBetween(_ earlier: String, and later: String) -> String {
        switch engine {
        case .sqlite: return "((julianday(\(later)) - julianday(\(earlier))) * 24.0)"
        case .postgres: return "(EXTRACT(EPOCH FROM ((\(later)) - (\(earlier)))) / 3600.0)"
        }
    }

    /// The UTC calendar day of a timestamp as `YYYY-MM-DD` text.
    public func dayText(_ expression: String) -> String {
        switch engine {
        case .sqlite: return "substr(strftime('%Y-%m-%d %H:%M:%S', \(expression)), 1, 10)"
        case .postgres: return "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }

    /// The `YYYY-MM-DD` day `days` days before the `YYYY-MM-DD` day `day`.
    public func daysBefore(_ day: String, days: String) -> String {
        switch engine {
        case .sqlite: return "date(\(day), '-' || (\(days)) || ' days')"
        case .postgres: return "to_char(CAST(\(day) AS DATE) - CAST(\(days) AS INTEGER), 'YYYY-MM-DD')"
        }
    }

    // MARK: - Statements

    /// Starts a transaction that takes the write lock at once, so two writers never interleave.
    public var beginWriteTransaction: String {
        switch engine {
        case .sqlite: return "BEGIN IMMEDIATE"
        case .postgres: return "BEGIN"
        }
    }

    /// Creates an index. SQLite names the schema on the index, PostgreSQL on the table.
    public func createIndex(_ name: String, schema: String, table: String, columns: [String], unique: Bool = false) -> String {
        let columnList = columns.map(quote).joined(separator: ", ")
        let kind = unique ? "UNIQUE INDEX" : "INDEX"
        switch engine {
        case .sqlite:
            return "CREATE \(kind) \(qualified(schema, name)) ON \(quote(table)) (\(columnList))"
        case .postgres:
            return "CREATE \(kind) \(quote(name)) ON \(qualified(schema, table)) (\(columnList))"
        }
    }

    /// Renames a table within its schema.
    public func renameTable(schema: String, from: String, to: String) -> String {
        "ALTER TABLE \(qualified(schema, from)) RENAME TO \(quote(to))"
    }

    /// Finds a table or view by name in a schema; returns one row when it exists.
    public func tableExistsQuery(schema: String, table: String) -> (String, [SQLValue]) {
        switch engine {
        case .sqlite:
            return ("SELECT name FROM \(quote(schema)).sqlite_master WHERE type IN ('table', 'view') AND name = ?1", [.text(table)])
        case .postgres:
            return ("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2", [.text(schema), .text(table)])
        }
    }

    /// Lists a table's column names in table order.
    public func columnsQuery(schema: String, table: String) -> (String, [SQLValue]) {
        switch engine {
        case .sqlite:
            return ("SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid", [.text(table), .text(schema)])
        case .postgres:
            return ("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position", [.text(schema), .text(table)])
        }
    }
}

import Foundation
