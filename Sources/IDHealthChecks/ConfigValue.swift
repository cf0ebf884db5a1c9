import IDHealthSQL

/// A parameter value from the config file, already checked against the parameter's kind.
public enum ConfigValue: Sendable, Hashable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case string(String)
    case threshold(Threshold)
    case strings([String])
    case limits([String: Int])

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .bool(let value): return String(value)
        case .string(let value): return value
        case .threshold(let value): return value.description
        case .strings(let values): return values.joined(separator: ", ")
        case .limits(let values): return values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
    }
}
