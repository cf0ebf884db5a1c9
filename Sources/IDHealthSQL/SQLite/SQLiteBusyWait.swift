import CSQLite
import Foundation

/// How a SQLite connection waits for a lock another connection holds: in short sleeps, up to
/// a timeout, and not at all once the run is interrupted.
///
/// SQLite's own `sqlite3_busy_timeout` sleeps through `sqlite3_interrupt`, so a SIGINT would
/// wait out the whole timeout; this busy handler checks between sleeps
/// (https://www.sqlite.org/c3ref/busy_handler.html). The interrupting thread and the
/// connection's thread share only the two fields below, under a lock: hence
/// `@unchecked Sendable`.
final class SQLiteBusyWait: @unchecked Sendable {
    private let lock = NSLock()
    private var timeoutMilliseconds: Int
    private var interrupted = false
    private var waitingSince: Date?

    init(timeoutMilliseconds: Int) {
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    func setTimeout(milliseconds: Int) {
        lock.withLock { timeoutMilliseconds = milliseconds }
    }

    func interrupt() {
        lock.withLock { interrupted = true }
    }

    /// Whether to try again (after a short sleep) or give up with SQLITE_BUSY.
    func shouldRetry(attempt: Int32) -> Bool {
        let (stop, started, limit) = lock.withLock { () -> (Bool, Date, Int) in
            if attempt == 0 || waitingSince == nil { waitingSince = Date() }
            return (interrupted, waitingSince ?? Date(), timeoutMilliseconds)
        }
        if stop { return false }
        if limit > 0, Date().timeIntervalSince(started) * 1000 >= Double(limit) { return false }
        usleep(10_000)
        return true
    }

    /// Installs this as the connection's busy handler; the connection must not outlive it.
    func install(on handle: OpaquePointer) {
        sqlite3_busy_handler(handle, { context, attempt in
            guard let context else { return 0 }
            let wait = Unmanaged<SQLiteBusyWait>.fromOpaque(context).takeUnretainedValue()
            return wait.shouldRetry(attempt: attempt) ? 1 : 0
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
