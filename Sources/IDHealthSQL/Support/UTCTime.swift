/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM:SS` in UTC, without a DateFormatter
/// (millions of rows go through it).
package enum UTCTime {
    package static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3_600)):\(two(secondOfDay % 3_600 / 60)):\(two(secondOfDay % 60))"
    }

    /// Formats a time counted in `perSecond` units since 1970 (microseconds: 1,000,000) as
    /// `YYYY-MM-DD HH:MM:SS[.fraction]`, the fraction without trailing zeros: PostgreSQL
    /// keeps microseconds, a nanosecond engine's extra digits are kept too.
    package static func format(units: Int64, perSecond: Int64) -> String {
        let seconds = floorDivide(units, perSecond)
        let fraction = units - seconds * perSecond
        var text = format(seconds)
        if fraction != 0 {
            let digits = String(perSecond).count - 1
            var part = String(fraction)
            part = String(repeating: "0", count: digits - part.count) + part
            while part.hasSuffix("0") { part.removeLast() }
            text += "." + part
        }
        return text
    }

    /// Division that rounds toward negative infinity, so times before 1970 keep a positive fraction.
    package static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Seconds since 1970 of a UTC calendar date (inverse of ``format(_:)`` at midnight).
    package static func seconds(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400
    }
}
