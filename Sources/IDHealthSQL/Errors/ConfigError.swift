/// The tool cannot run as asked: a bad argument, a bad config file, a missing file.
///
/// The message names what is wrong (file and line, key, flag) and what would be valid.
public struct ConfigError: ClassifiedError, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var kind: FailureKind { .invalidRequest }
}
