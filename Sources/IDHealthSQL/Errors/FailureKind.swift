import Foundation
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
    /// The machine failed the run: a full disk, an I/O error (exit status 3).
    case system
    /// A signal stopped the run (exit status 128 + the signal).
    case interrupted(signal: Int32)
}

/// An error that says what kind of failure it is, so that callers decide by case, never by
/// reading the message.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var kind: FailureKind { get }
}

/// The run was stopped by a signal (SIGINT, SIGTERM): its statement was cancelled and its
/// transaction rolled back. The command line exits 128 + the signal's number, as shells do.
public struct InterruptedError: ClassifiedError, Sendable {
    public let signal: Int32
    /// The engine whose table changes commit one statement at a time (Snowflake's DDL,
    /// Spark), where a stop can fall between two of them; nil where a transaction holds a
    /// run's changes together.
    public let committingEachChange: Dialect.Engine?
    public init(signal: Int32, committingEachChange: Dialect.Engine? = nil) {
        self.signal = signal
        self.committingEachChange = committingEachChange
    }
    public var kind: FailureKind { .interrupted(signal: signal) }
    public var description: String {
        guard let engine = committingEachChange else {
            return "stopped by signal \(signal): the running statement was cancelled and its transaction rolled back; the previous tables are intact"
        }
        return "stopped by signal \(signal): the running statement was cancelled and nothing after it ran; \(engine.displayName) commits each table change on its own, so a run stopped while it put new tables in place leaves the rest to the next run"
    }
}

/// A file idhealth writes could not be written. Where it goes is the user's to choose (a
/// missing folder, no permission: exit 2); a full disk or an I/O error is not (exit 3), so a
/// nightly job tells "fix the command" from "fix the machine".
public struct FileWriteError: ClassifiedError, Sendable {
    public let message: String
    public let errorNumber: Int32?

    public init(_ what: String, _ error: Error) {
        // On Linux the underlying error comes back as a Swift `Error`, not an `NSError`.
        let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
        let posix = (error as NSError).domain == NSPOSIXErrorDomain ? (error as NSError).code : underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? $0.code : nil }
        errorNumber = posix.map(Int32.init)
        message = "\(what): \(posix.map { String(cString: strerror(Int32($0))) } ?? error.localizedDescription)"
    }

    public var description: String { message }

    public var kind: FailureKind {
        guard let errorNumber else { return .invalidRequest }
        return [ENOSPC, EIO, EDQUOT, EROFS, EFBIG].contains(errorNumber) ? .system : .invalidRequest
    }
}
