import Foundation
import IDHealthSQL

/// A judgment rule such as `> 0`, `>= 10` or `> 0.1%`, applied to a check's value.
///
/// A bare number means "greater than": `fail: 500` reads as "fail above 500". A percentage
/// is taken of a base the check names (the number of live profiles, usually).
public struct Threshold: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Hashable {
        case greater = ">"
        case greaterOrEqual = ">="
    }

    public let comparison: Comparison
    public let limit: Double
    public let isPercent: Bool

    public init(_ comparison: Comparison = .greater, _ limit: Double, percent: Bool = false) {
        self.comparison = comparison
        self.limit = limit
        self.isPercent = percent
    }

    /// A threshold nothing crosses: the check never reaches this status.
    public static let never = Threshold(.greater, .infinity)

    public var isNever: Bool { limit == .infinity }

    /// Parses `500`, `"> 0"`, `">= 10"`, `"> 0.1%"` or `never`; `nil` when the text is none of those.
    public init?(parsing text: String) {
        var rest = text.trimmingCharacters(in: .whitespaces)
        if rest.lowercased() == "never" {
            self = .never
            return
        }
        var comparison = Comparison.greater
        if rest.hasPrefix(">=") {
            comparison = .greaterOrEqual
            rest.removeFirst(2)
        } else if rest.hasPrefix(">") {
            rest.removeFirst()
        }
        rest = rest.trimmingCharacters(in: .whitespaces)
        var percent = false
        if rest.hasSuffix("%") {
            percent = true
            rest.removeLast()
        }
        guard let limit = Double(rest.trimmingCharacters(in: .whitespaces)), limit.isFinite, limit >= 0 else { return nil }
        self.init(comparison, limit, percent: percent)
    }

    /// Whether `value` crosses the threshold; `base` turns a percentage into a count.
    public func isCrossed(by value: Double, base: Double) -> Bool {
        if isNever { return false }
        let bound = isPercent ? limit / 100 * base : limit
        switch comparison {
        case .greater: return value > bound
        case .greaterOrEqual: return value >= bound
        }
    }

    /// ``isCrossed(by:base:)`` as a SQL condition on the expressions `value` and `base`, for a
    /// check judged by the database (``CheckCompiler``): the same rule, written once beside it.
    func isCrossedSQL(by value: SQL, base: SQL) -> SQL {
        if isNever { return "1 = 0" }
        let limit: SQL = .literal(.real(self.limit))
        let bound: SQL = isPercent ? "\(sql: limit) / 100 * \(sql: base)" : limit
        return "\(sql: value) \(sql: comparison == .greater ? ">" : ">=") \(sql: bound)"
    }

    /// The limit as a whole count, for thresholds applied per profile (e.g. segment_ids).
    public var countLimit: Int64 {
        if isNever { return Int64.max }
        return comparison == .greater ? Int64(limit.rounded(.down)) : Int64(limit.rounded(.up)) - 1
    }

    public var description: String {
        if isNever { return "never" }
        let number = limit.rounded() == limit ? String(Int64(limit)) : String(limit)
        return "\(comparison.rawValue) \(number)\(isPercent ? "%" : "")"
    }
}
