/// The data cannot be used as it is: a missing table or column, NULL keys, an empty table.
///
/// The message says which table, column or key is wrong. Nothing has been written when it is
/// thrown.
public struct InputError: ClassifiedError, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var kind: FailureKind { .unusableInput }
}
