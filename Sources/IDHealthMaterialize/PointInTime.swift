import Foundation
import IDHealthSQL

/// The raw history as it stood at a moment: only the rows landed by then (`uuid_ts`, when
/// Profiles Sync loaded them) or, with `field: .timestamp`, the rows of events that happened by
/// then. A materialization of these views is the graph as it was (docs/semantics.md, "Point
/// in time").
package struct PointInTime: Sendable, Hashable {
    /// Which time decides whether a row counts.
    package enum Field: String, Sendable, CaseIterable {
        case uuidTS = "uuid_ts"
        case timestamp
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    package let cutoff: String
    package let field: Field

    package init(cutoff: String, field: Field = .uuidTS) {
        self.cutoff = cutoff
        self.field = field
    }

    /// Reads `2022-06-22 10:47:59`, `2022-06-22T10:47:59Z`, `2022-06-22T12:47:59+02:00`,
    /// `2022-06-22 10:47:59.250` (fractions of a second to the microsecond) or `2022-06-22`
    /// (midnight); a time without a zone is UTC. Nil for anything else, strictly: a day the
    /// month does not have (`2026-11-31`), an hour past 23, an offset past ±14:00 or with
    /// minutes past 59 (`+25:00`, `+99:00`) is not a time, where a lenient reader would roll it
    /// over into another moment without a word.
    package static func parse(_ text: String, field: Field = .uuidTS) -> PointInTime? {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$"#
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed)) else { return nil }
        func part(_ index: Int) -> String? {
            Range(match.range(at: index), in: trimmed).map { String(trimmed[$0]) }
        }
        func number(_ index: Int) -> Int64 { part(index).flatMap { Int64($0) } ?? 0 }
        let (year, month, day) = (number(1), number(2), number(3))
        let (hour, minute, second) = (number(4), number(5), number(6))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...monthDays[Int(month) - 1]).contains(day),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var offsetSeconds: Int64 = 0
        if let zone = part(8), zone != "Z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            let hours = Int64(digits.prefix(2)) ?? 0, minutes = Int64(digits.dropFirst(2)) ?? 0
            guard hours <= 14, minutes <= 59, hours * 60 + minutes <= 14 * 60 else { return nil }
            offsetSeconds = (zone.hasPrefix("-") ? -1 : 1) * (hours * 3_600 + minutes * 60)
        }
        let seconds = UTCTime.seconds(year: year, month: month, day: day) + hour * 3_600 + minute * 60 + second - offsetSeconds
        var cutoff = UTCTime.format(seconds)
        // Fractions as given (trailing zeros dropped): the comparison is exact at the instant.
        if let fraction = part(7)?.replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression), !fraction.isEmpty {
            cutoff += "." + fraction
        }
        return PointInTime(cutoff: cutoff, field: field)
    }

    /// The moment of a `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC text, for checks that judge by "now".
    package static func date(of cutoff: String) -> Date? {
        guard let point = parse(cutoff) else { return nil }
        let whole = String(point.cutoff.prefix(19)), fraction = Double("0" + point.cutoff.dropFirst(19)) ?? 0
        let parts = whole.split(whereSeparator: { "- :".contains($0) }).compactMap { Int64($0) }
        guard parts.count == 6 else { return nil }
        let seconds = UTCTime.seconds(year: parts[0], month: parts[1], day: parts[2]) + parts[3] * 3_600 + parts[4] * 60 + parts[5]
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Creates, in the connection's schema for views (``Database/viewSchema()``), a view of each raw table of `source`
    /// holding only the rows that count at the cutoff, and returns that schema: the raw
    /// tables' schema for a materialization as of then. The views go with the connection.
    package func viewRawTables(of source: String, on database: any Database) throws -> String {
        let schema = try database.viewSchema()
        for table in TableName.rawTables {
            let raw = QualifiedName(source, table)
            guard try database.tableExists(raw) else { throw InputError("table \(raw) not found") }
            try database.execute("DROP VIEW IF EXISTS \(table: QualifiedName(schema, table))")
            try database.execute("""
                CREATE VIEW \(table: QualifiedName(schema, table)) AS
                SELECT * FROM \(table: raw) WHERE \(sql: .notLater("\(ident: field.rawValue)", than: .timestamp(literal: cutoff)))
                """)
        }
        return schema
    }
}
