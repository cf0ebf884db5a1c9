import Foundation
import IDHealthSQL

/// Another materialization of the same target holds the lock (exit status 3).
public struct MaterializationLockedError: ClassifiedError, Sendable {
    public let message: String
    public var description: String { message }
    public var kind: FailureKind { .busy }
}

/// Keeps two materializations of one target schema from interleaving (docs/semantics.md, "Atomic and locked").
///
/// Taken before anything is read and held to the end of the run. The second run polls for
/// `waitSeconds` (default: not at all) and then stops with a message naming the holder, so a
/// scheduler sees a clear failure rather than two runs fighting over the work tables.
struct MaterializationLock {
    let database: any Database
    let name: String
    /// The target schema; where an engine keeps its locks in a table, the table is there.
    let schema: String
    /// Whether a lock was taken: a target in the connection's own temporary schema (a past
    /// state for `explain --as-of`) is private to it, and two connections' must not wait on
    /// each other for it.
    var held = true

    static func acquire(database: any Database, schema: String, waitSeconds: Double, notice: (String) -> Void) throws -> MaterializationLock {
        var lock = MaterializationLock(database: database, name: "materialize:" + schema, schema: schema)
        if schema == database.dialect.temporarySchema {
            lock.held = false
            return lock
        }
        // Who and since when first: PostgreSQL keeps 63 bytes of it, and the host is the part
        // it can lose (its message names the client's address anyway).
        let holder = "idhealth materialize pid \(ProcessInfo.processInfo.processIdentifier) since \(Materializer.utcText(Date())) UTC on \(ProcessInfo.processInfo.hostName)"
        let deadline = Date().addingTimeInterval(waitSeconds)
        var announced = false
        while true {
            switch try database.tryLock(lock.name, schema: schema, holder: holder) {
            case .acquired:
                return lock
            case .heldBy(let other):
                guard Date() < deadline else {
                    let waited = waitSeconds > 0 ? " after waiting \(Int(waitSeconds)) s" : ""
                    throw MaterializationLockedError(message: "another materialization of schema \(schema) is running\(waited): the lock is held by \(other). Nothing was changed; run again when it has finished (or pass --lock-wait SECONDS to wait for it).")
                }
                if !announced {
                    notice("waiting up to \(Int(waitSeconds)) s for the materialization lock held by \(other)")
                    announced = true
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
    }

    func release() {
        if held { try? database.unlock(name, schema: schema) }
    }
}
