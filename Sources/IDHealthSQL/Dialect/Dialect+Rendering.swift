import Foundation

/// A statement as an engine receives it: text with placeholders, and the values bound to them
/// in placeholder order.
public struct RenderedSQL: Sendable, Hashable {
    public let text: String
    public let bindings: [SQLValue]
    /// What each bound value holds (``SQL/bind(_:label:)``), in the same order; nil where
    /// the statement did not say.
    public let labels: [String?]
}

extension Dialect {
    /// A placeholder that keeps its value's type in the statement where a driver sends every
    /// value as text: Snowflake's binds a number with its type, but the stand-in (fakesnow)
    /// reads it as a string, and `'3' * baseline` has no meaning on DuckDB.
    func typedPlaceholder(_ index: Int, for value: SQLValue) -> String {
        guard engine == .snowflake else { return placeholder(index) }
        switch value {
        case .integer: return "CAST(\(placeholder(index)) AS BIGINT)"
        case .real: return "CAST(\(placeholder(index)) AS DOUBLE)"
        case .null, .text: return placeholder(index)
        }
    }

    /// Renders a statement for this engine. Placeholders are numbered in the order they appear
    /// in the text, so the bindings always line up with them; a labelled value bound again
    /// with the same label and value reuses its placeholder (a check parameter used three
    /// times is one parameter).
    public func render(_ sql: SQL) -> RenderedSQL {
        rendered(sql, inlining: false)
    }

    /// Renders a statement to run without parameters (`idhealth compile`): every bound value
    /// is written as a quoted literal instead (``literal(_:)``).
    public func renderInline(_ sql: SQL) -> String {
        rendered(sql, inlining: true).text
    }

    /// Renders a statement for an ODBC driver: every bound value is a `?` of its own, in text
    /// order (ODBC's markers are positional, so a value used twice is bound twice).
    public func renderPositional(_ sql: SQL) -> RenderedSQL {
        rendered(sql, inlining: false, positional: true)
    }

    private func rendered(_ sql: SQL, inlining: Bool, positional: Bool = false) -> RenderedSQL {
        var text = ""
        var bindings: [SQLValue] = []
        var labels: [String?] = []
        var reused: [BindKey: Int] = [:]
        write(sql, into: &text, bindings: &bindings, labels: &labels, reused: &reused, inlining: inlining, positional: positional)
        return RenderedSQL(text: text, bindings: bindings, labels: labels)
    }

    private struct BindKey: Hashable {
        let label: String
        let value: SQLValue
    }

    private func write(_ sql: SQL, into text: inout String, bindings: inout [SQLValue], labels: inout [String?], reused: inout [BindKey: Int], inlining: Bool, positional: Bool) {
        for piece in sql.pieces {
            switch piece {
            case .text(let fragment): text += fragment
            case .identifier(let name): text += quote(name)
            case .qualified(let name) where !qualifiesTemporaryTables && name.schema == temporarySchema:
                for create in ["CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "] where text.hasSuffix(create) {
                    text.removeLast(create.count)
                    text += "CREATE TEMP" + create.dropFirst("CREATE".count)
                }
                text += quote(name.name)
            case .qualified(let name): text += quote(name.schema) + "." + quote(name.name)
            case .bind(let value, _) where inlining:
                text += literal(value)
            case .bind(.integer(let number), _) where engine == .databricks || engine == .bigquery:
                // Spark types a bound integer as BIGINT, which `LIMIT` refuses; a literal is
                // typed by its size. BigQuery's stand-in loses a parameter under
                // `FORMAT_DATE(… INTERVAL ? DAY)`; a literal is INT64 there as a parameter
                // is. (Digits cannot carry anything but a number.)
                text += String(number)
            case .bind(let value, let label) where positional:
                bindings.append(value)
                labels.append(label)
                text += "?"
            case .bind(let value, let label):
                if let label, let index = reused[BindKey(label: label, value: value)] {
                    text += typedPlaceholder(index, for: value)
                    continue
                }
                bindings.append(value)
                labels.append(label)
                if let label { reused[BindKey(label: label, value: value)] = bindings.count }
                text += typedPlaceholder(bindings.count, for: value)
            case .literal(let value): text += literal(value)
            case .type(let type): text += spell(type)
            case .expression(let expression): write(spell(expression), into: &text, bindings: &bindings, labels: &labels, reused: &reused, inlining: inlining, positional: positional)
            }
        }
    }

    /// Whether a temporary table may be named with its schema (`pg_temp.t`, `temp.t`).
    /// Redshift refuses that: it finds a temporary table by its bare name, which the session's
    /// temporary schema puts first, and creates one only with `CREATE TEMP TABLE`.
    /// Spark's stand-in for a temporary schema (``sessionSchema``) is a schema like any other.
    var qualifiesTemporaryTables: Bool { !isWarehouse || sessionSchema != nil }

    /// A constant as it is written into SQL text: text quoted with embedded quotes doubled
    /// (and, on Redshift, backslashes), numbers as digits, NULL.
    public func literal(_ value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let number): return String(number)
        case .real(let number):
            guard number.isFinite else { return "NULL" }
            return "\(number)"
        case .text(let string) where engine == .bigquery || engine == .databricks:
            // GoogleSQL takes no doubled quote and no line break in a quoted string: both
            // are backslash escapes there, as in Spark SQL.
            let escapes: [(String, String)] = [("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r")]
            return "'" + escapes.reduce(string) { $0.replacingOccurrences(of: $1.0, with: $1.1) } + "'"
        case .text(let string):
            var quoted = string.replacingOccurrences(of: "'", with: "''")
            // Redshift and Snowflake read a backslash in a string literal as an escape.
            if isWarehouse { quoted = quoted.replacingOccurrences(of: "\\", with: "\\\\") }
            return "'" + quoted + "'"
        }
    }

    /// How this engine computes an expression.
    public func spell(_ expression: SQLExpression) -> SQL {
        switch (engine, expression) {
        case (.sqlite, .timestampText(let value)):
            return "strftime('%Y-%m-%d %H:%M:%S', \(sql: value))"
        case (.postgres, .timestampText(let value)), (.redshift, .timestampText(let value)):
            return "to_char((\(sql: value)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
        case (.snowflake, .timestampText(let value)):
            return "TO_CHAR(CONVERT_TIMEZONE('UTC', \(sql: value)), 'YYYY-MM-DD HH24:MI:SS')"
        case (.snowflake, .dayText(let value)):
            return "TO_CHAR(CONVERT_TIMEZONE('UTC', \(sql: value)), 'YYYY-MM-DD')"
        case (.snowflake, .daysBefore(let day, let days)):
            return "TO_CHAR(DATEADD(day, -CAST(\(sql: days) AS INTEGER), CAST(\(sql: day) AS DATE)), 'YYYY-MM-DD')"
        case (.snowflake, .hoursBetween(let earlier, let later)):
            return "(DATEDIFF(second, \(sql: earlier), \(sql: later)) / 3600.0)"
        case (.snowflake, .minusHours(let value, let hours)):
            // An interval constant, as on Redshift (DATEADD would do as well on Snowflake, but
            // fakesnow, its stand-in in the tests, mistranslates it inside CONVERT_TIMEZONE).
            return "((\(sql: value)) - INTERVAL '\(unsafeRaw: String(Self.seconds(hours))) seconds')"
        case (.snowflake, .timestamp(let text)):
            // A time without a zone would be read in the session's zone: say UTC (ISO 8601's
            // offset, which Snowflake's AUTO input format reads).
            return "CAST(CONCAT(\(sql: text), '+00:00') AS TIMESTAMP_TZ)"
        case (.snowflake, .regexpMatch(let value, let pattern)):
            // REGEXP_LIKE matches the whole value; idhealth's patterns search, as `~` does.
            return "(REGEXP_INSTR(\(sql: value), \(sql: pattern)) > 0)"
        case (.snowflake, .sha1Hex(let value, _)):
            return "SHA1_HEX(CAST(\(sql: value) AS TEXT))"
        case (.snowflake, .byteLength(let value)):
            return "OCTET_LENGTH(CAST(\(sql: value) AS TEXT))"
        case (.snowflake, .now):
            return "CURRENT_TIMESTAMP()"
        case (.bigquery, .timestampText(let value)):
            return "FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', \(sql: value), 'UTC')"
        case (.bigquery, .dayText(let value)):
            return "FORMAT_TIMESTAMP('%Y-%m-%d', \(sql: value), 'UTC')"
        case (.bigquery, .daysBefore(let day, let days)):
            return "FORMAT_DATE('%Y-%m-%d', DATE_SUB(CAST(\(sql: day) AS DATE), INTERVAL CAST(\(sql: days) AS INT64) DAY))"
        case (.bigquery, .hoursBetween(let earlier, let later)):
            return "(TIMESTAMP_DIFF(\(sql: later), \(sql: earlier), SECOND) / 3600.0)"
        case (.bigquery, .minusHours(let value, let hours)):
            return "TIMESTAMP_SUB(\(sql: value), INTERVAL \(unsafeRaw: String(Self.seconds(hours))) SECOND)"
        case (.bigquery, .timestamp(let text)):
            // A string without a zone is read as UTC.
            return "TIMESTAMP(\(sql: text))"
        case (.bigquery, .regexpMatch(let value, let pattern)):
            return "REGEXP_CONTAINS(\(sql: value), \(sql: pattern))"
        case (.bigquery, .sha1Hex(let value, _)):
            // SHA1 gives BYTES there; TO_HEX writes them in lower case.
            return "TO_HEX(SHA1(CAST(\(sql: value) AS STRING)))"
        case (.bigquery, .byteLength(let value)):
            return "BYTE_LENGTH(\(sql: value))"
        case (.bigquery, .random):
            return "RAND()"
        case (.bigquery, .now):
            return "CURRENT_TIMESTAMP()"
        case (.databricks, .timestampText(let value)):
            // date_format writes in the session's time zone: move the instant so that its
            // wall clock there is UTC's.
            return "date_format(to_utc_timestamp(\(sql: value), current_timezone()), 'yyyy-MM-dd HH:mm:ss')"
        case (.databricks, .dayText(let value)):
            return "date_format(to_utc_timestamp(\(sql: value), current_timezone()), 'yyyy-MM-dd')"
        case (.databricks, .daysBefore(let day, let days)):
            return "date_format(date_sub(CAST(\(sql: day) AS DATE), CAST(\(sql: days) AS INT)), 'yyyy-MM-dd')"
        case (.databricks, .hoursBetween(let earlier, let later)):
            return "((unix_timestamp(\(sql: later)) - unix_timestamp(\(sql: earlier))) / 3600.0)"
        case (.databricks, .minusHours(let value, let hours)):
            return "(\(sql: value) - INTERVAL \(unsafeRaw: String(Self.seconds(hours))) SECONDS)"
        case (.databricks, .timestamp(let text)):
            // A string without a zone would be read in the session's zone: say UTC.
            return "CAST(concat(\(sql: text), '+00:00') AS TIMESTAMP)"
        case (.databricks, .regexpMatch(let value, let pattern)):
            return "(\(sql: value) RLIKE \(sql: pattern))"
        case (.databricks, .sha1Hex(let value, _)):
            return "sha1(CAST(\(sql: value) AS STRING))"
        case (.databricks, .byteLength(let value)):
            return "octet_length(\(sql: value))"
        case (.databricks, .random):
            return "rand()"
        case (.databricks, .now):
            return "current_timestamp()"
        case (.bigquery, .unionDistinct):
            return "UNION DISTINCT"
        case (.sqlite, .unionDistinct), (.postgres, .unionDistinct), (.redshift, .unionDistinct),
             (.snowflake, .unionDistinct), (.databricks, .unionDistinct):
            return "UNION"
        case (.snowflake, .onlyValue(let value)):
            return "ANY_VALUE(\(sql: value))"
        case (.sqlite, .onlyValue(let value)), (.postgres, .onlyValue(let value)), (.redshift, .onlyValue(let value)),
             (.bigquery, .onlyValue(let value)), (.databricks, .onlyValue(let value)):
            return value
        case (.bigquery, .exceptDistinct):
            return "EXCEPT DISTINCT"
        case (.sqlite, .exceptDistinct), (.postgres, .exceptDistinct), (.redshift, .exceptDistinct),
             (.snowflake, .exceptDistinct), (.databricks, .exceptDistinct):
            return "EXCEPT"
        case (.sqlite, .dayText(let value)):
            return "substr(strftime('%Y-%m-%d %H:%M:%S', \(sql: value)), 1, 10)"
        case (.postgres, .dayText(let value)), (.redshift, .dayText(let value)):
            return "to_char((\(sql: value)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case (.sqlite, .daysBefore(let day, let days)):
            return "date(\(sql: day), '-' || (\(sql: days)) || ' days')"
        case (.postgres, .daysBefore(let day, let days)), (.redshift, .daysBefore(let day, let days)):
            return "to_char(CAST(\(sql: day) AS DATE) - CAST(\(sql: days) AS INTEGER), 'YYYY-MM-DD')"
        case (.sqlite, .hoursBetween(let earlier, let later)):
            return "((julianday(\(sql: later)) - julianday(\(sql: earlier))) * 24.0)"
        case (.postgres, .hoursBetween(let earlier, let later)):
            return "(EXTRACT(EPOCH FROM ((\(sql: later)) - (\(sql: earlier)))) / 3600.0)"
        case (.redshift, .hoursBetween(let earlier, let later)):
            // Redshift's EXTRACT takes no interval that is not a literal.
            return "((EXTRACT(EPOCH FROM \(sql: later)) - EXTRACT(EPOCH FROM \(sql: earlier))) / 3600.0)"
        case (.sqlite, .minusHours(let value, let hours)):
            return "datetime(\(sql: value), '-\(unsafeRaw: String(Self.seconds(hours))) seconds')"
        case (.postgres, .minusHours(let value, let hours)):
            return "((\(sql: value)) - make_interval(secs => \(unsafeRaw: String(Self.seconds(hours)))))"
        case (.redshift, .minusHours(let value, let hours)):
            // An interval literal: Redshift has no make_interval, PostgreSQL no DATEADD.
            return "((\(sql: value)) - INTERVAL '\(unsafeRaw: String(Self.seconds(hours))) seconds')"
        case (.sqlite, .timestamp(let text)):
            return text
        case (.sqlite, .notLater(let value, let limit)):
            // julianday reads every form SQLite takes as a time, to the millisecond.
            return "(julianday(\(sql: value)) <= julianday(\(sql: limit)))"
        case (.postgres, .notLater(let value, let limit)), (.redshift, .notLater(let value, let limit)),
             (.snowflake, .notLater(let value, let limit)), (.bigquery, .notLater(let value, let limit)),
             (.databricks, .notLater(let value, let limit)):
            return "(\(sql: value) <= \(sql: limit))"
        case (.postgres, .timestamp(let text)), (.redshift, .timestamp(let text)):
            return "CAST(\(sql: text) AS TIMESTAMPTZ)"
        case (.sqlite, .regexpMatch(let value, let pattern)):
            // SQLite has no regular expressions: idhealth registers regexp() on every connection.
            return "regexp(\(sql: pattern), \(sql: value))"
        case (.postgres, .regexpMatch(let value, let pattern)), (.redshift, .regexpMatch(let value, let pattern)):
            return "(\(sql: value) ~ \(sql: pattern))"
        case (.sqlite, .sha1Hex(let value, _)):
            return "\(unsafeRaw: SQLiteFunctions.sha1)(\(sql: value))"
        case (.postgres, .sha1Hex(let value, let schema)):
            let digest: SQL = schema.map { "\(ident: $0).digest" } ?? "digest"
            return "encode(\(sql: digest)(CAST(\(sql: value) AS TEXT), 'sha1'), 'hex')"
        case (.redshift, .sha1Hex(let value, _)):
            // Redshift's built-in, lower-case hex like pgcrypto's.
            return "FUNC_SHA1(CAST(\(sql: value) AS VARCHAR(65535)))"
        case (.sqlite, .byteLength(let value)):
            return "length(CAST(\(sql: value) AS BLOB))"
        case (.postgres, .byteLength(let value)), (.redshift, .byteLength(let value)):
            return "octet_length(\(sql: value))"
        case (.sqlite, .random), (.postgres, .random), (.redshift, .random), (.snowflake, .random):
            return "RANDOM()"
        case (.redshift, .now):
            // CURRENT_TIMESTAMP and NOW() run on Redshift's leader node only, not over tables.
            return "CAST(GETDATE() AS TIMESTAMPTZ)"
        case (.sqlite, .now), (.postgres, .now):
            return "CURRENT_TIMESTAMP"
        case (.sqlite, .cast(let value, .untyped)):
            return value
        case (.sqlite, .cast(let value, let type)), (.postgres, .cast(let value, let type)), (.redshift, .cast(let value, let type)),
             (.snowflake, .cast(let value, let type)), (.bigquery, .cast(let value, let type)), (.databricks, .cast(let value, let type)):
            return "CAST(\(sql: value) AS \(type: type))"
        }
    }

    /// Whole seconds of a number of hours, for interval arithmetic.
    static func seconds(_ hours: Double) -> Int {
        Int((hours * 3600).rounded())
    }
}
