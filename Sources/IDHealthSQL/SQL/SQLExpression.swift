/// The expressions whose spelling differs between engines, as values: a statement says *what*
/// it computes and the ``Dialect`` that renders it says *how* (see ``Dialect/spell(_:)``).
///
/// The set is closed on purpose: a new engine is a new `Dialect`, not a branch in the code that
/// builds statements.
public indirect enum SQLExpression: Sendable, Hashable {
    /// A timestamp as `YYYY-MM-DD HH:MM:SS` text in UTC, so results compare equal everywhere.
    case timestampText(SQL)
    /// The UTC calendar day of a timestamp as `YYYY-MM-DD` text.
    case dayText(SQL)
    /// The `YYYY-MM-DD` day `days` days before the `YYYY-MM-DD` day `day`.
    case daysBefore(day: SQL, days: SQL)
    /// Hours from `earlier` to `later`, as a real number.
    case hoursBetween(earlier: SQL, later: SQL)
    /// A timestamp moved `hours` earlier. On SQLite the result is `YYYY-MM-DD HH:MM:SS` text,
    /// or NULL when the text is not a time SQLite understands.
    case minusHours(SQL, hours: Double)
    /// Text in `YYYY-MM-DD HH:MM:SS` form (UTC), read as a value comparable with timestamp
    /// columns.
    case timestamp(SQL)
    /// Whether a time is at or before another, as instants: SQLite keeps times as text, where
    /// `2024-05-18 04:07:00.000000` sorts after `2024-05-18 04:07:00`.
    case notLater(SQL, than: SQL)
    /// Whether `value` matches the regular expression `pattern`.
    case regexpMatch(value: SQL, pattern: SQL)
    /// The lower-case hex SHA-1 of a text value. `functionSchema` is where PostgreSQL's
    /// pgcrypto lives (see ``Database/sha1Support()``); SQLite ignores it.
    case sha1Hex(SQL, functionSchema: String?)
    /// `CAST(value AS type)`, with the type spelled by the dialect.
    case cast(SQL, SQLType)
    /// The length of a text value in bytes.
    case byteLength(SQL)
    /// A random number, new for every row: `ORDER BY` it to draw a random sample.
    case random
    /// The time the statement runs, as a timestamp (UTC): for SQL written down to run later.
    case now
    /// The set operator that keeps each distinct row once (`UNION`): not an expression, but
    /// spelled per engine all the same, since BigQuery takes only `UNION DISTINCT`.
    case unionDistinct
    /// `EXCEPT`, which BigQuery takes only as `EXCEPT DISTINCT`.
    case exceptDistinct
    /// The one value a correlated scalar subquery selects by a unique key: Snowflake runs a
    /// correlated scalar subquery only when it can tell that it returns one row, so there it
    /// is `ANY_VALUE(value)`, an aggregate of the one row (the key is unique).
    case onlyValue(SQL)
}

extension SQL {
    /// See ``SQLExpression/timestampText(_:)``.
    public static func timestampText(_ value: SQL) -> SQL { .expression(.timestampText(value)) }
    public static func dayText(_ value: SQL) -> SQL { .expression(.dayText(value)) }
    public static func daysBefore(_ day: SQL, days: SQL) -> SQL { .expression(.daysBefore(day: day, days: days)) }
    public static func hoursBetween(_ earlier: SQL, and later: SQL) -> SQL { .expression(.hoursBetween(earlier: earlier, later: later)) }
    public static func minusHours(_ value: SQL, _ hours: Double) -> SQL { .expression(.minusHours(value, hours: hours)) }
    public static func timestamp(_ text: SQL) -> SQL { .expression(.timestamp(text)) }
    public static func notLater(_ value: SQL, than limit: SQL) -> SQL { .expression(.notLater(value, than: limit)) }
    public static func regexpMatch(_ value: SQL, pattern: SQL) -> SQL { .expression(.regexpMatch(value: value, pattern: pattern)) }
    public static func cast(_ value: SQL, as type: SQLType) -> SQL { .expression(.cast(value, type)) }
    public static func byteLength(_ value: SQL) -> SQL { .expression(.byteLength(value)) }
    public static var random: SQL { .expression(.random) }
    public static var now: SQL { .expression(.now) }
    public static var unionDistinct: SQL { .expression(.unionDistinct) }
    public static var exceptDistinct: SQL { .expression(.exceptDistinct) }
    public static func onlyValue(_ value: SQL) -> SQL { .expression(.onlyValue(value)) }

    /// A time idhealth formatted itself (`YYYY-MM-DD HH:MM:SS`, UTC) as a timestamp constant.
    public static func timestamp(literal utcText: String) -> SQL { .timestamp(.literal(.text(utcText))) }
    /// The same as a bound value.
    public static func timestamp(bind utcText: String) -> SQL { .timestamp(.bind(.text(utcText))) }
}
