/// A value bound to, or read from, a SQL statement.
///
/// Kept deliberately small: the tool only moves identifiers, counts, timestamps as text
/// and trait values, and every engine can represent those four kinds.
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value as text, as a report or a comparison wants it; `nil` for NULL.
    public var stringValue: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .real(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .text(let value): return value
        }
    }

    /// The value as an integer when it is one (or a whole number stored as text or real).
    public var intValue: Int64? {
        switch self {
        case .null: return nil
        case .integer(let value): return value
        case .real(let value): return value.isFinite ? Int64(value) : nil
        case .text(let value): return Int64(value) ?? Double(value).flatMap { $0.isFinite ? Int64($0) : nil }
        }
    }

    /// The value as a floating-point number when it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .null: return nil
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .text(let value): return Double(value)
        }
    }

    public var isNull: Bool { self == .null }

    public var description: String { stringValue ?? "NULL" }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// One result row: column names and values in select order.
public struct Row: Sendable, Hashable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the named column (case-insensitive), or NULL when the row has no such column.
    public subscript(_ name: String) -> SQLValue {
        if let index = columns.firstIndex(of: name) { return values[index] }
        let lowered = name.lowercased()
        if let index = columns.firstIndex(where: { $0.lowercased() == lowered }) { return values[index] }
        return .null
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }
}
