/// The data cannot be used as it is: a missing table or column, NULL keys, an empty table.
///
/// Maps to exit status 2 like a ``ConfigError``: the tool cannot run as asked, and says which
/// table, column or key is wrong. Nothing has been written when it is thrown.
public struct InputError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
