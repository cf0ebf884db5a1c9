/// What kind of failure an error is. The command line maps each kind to an exit status
/// (docs/command-line.md): a user can fix the first two, the others mean the tool could not
/// do its job. Every error idhealth's libraries throw to a caller has one.
public enum FailureKind: Sendable, Hashable {
    /// The tool cannot run as asked: a bad argument or config file (exit status 2).
    case invalidRequest
    /// The data cannot be used as it is: a missing table or column, NULL keys (exit status 2).
    case unusableInput
    /// The database refused or failed mid-run (exit status 3).
    case database
    /// Another run holds what this one needs, such as the materialization lock (exit status 3).
    case busy
}

/// An error that says what kind of failure it is, so that callers decide by case, never by
/// reading the message.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var kind: FailureKind { get }
}
