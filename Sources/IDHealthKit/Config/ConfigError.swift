/// The tool cannot run as asked: a bad argument, a bad config file, a missing table or column.
///
/// The command line maps this to exit status 2. The message names what is wrong (file and
/// line, table, column, key) and what would be valid.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
