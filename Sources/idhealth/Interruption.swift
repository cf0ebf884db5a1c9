import Dispatch
import Foundation
import IDHealthSQL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM stop a run cleanly (README, "Reliability"): the statement running on
/// the server is cancelled (a killed client would leave it running, holding the
/// materialization lock), the transaction rolls back, the lock is released, and the process
/// exits 130 or 143. A second signal exits at once.
///
/// The signals are received on a dispatch source, not in a signal handler, so the work they
/// do (asking the server to cancel) runs on an ordinary thread.
enum Interruption {
    /// The signal received, and what to interrupt when one is. Guarded by a lock: the
    /// dispatch source's thread writes it while the main thread reads it.
    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var received: Int32?
        private var interrupters: [any DatabaseInterrupter] = []
        /// Every connection opened, closed before the process exits (``Database/close()``).
        private var connections: [any Database] = []

        var signal: Int32? { lock.withLock { received } }

        func register(_ interrupter: any DatabaseInterrupter) {
            lock.withLock { interrupters.append(interrupter) }
        }

        func register(_ connection: any Database) {
            lock.withLock { connections.append(connection) }
        }

        func closeConnections() {
            let open = lock.withLock { () -> [any Database] in
                defer { connections = [] }
                return connections
            }
            for connection in open { connection.close() }
        }

        func receive(_ number: Int32) {
            let (first, targets) = lock.withLock { () -> (Bool, [any DatabaseInterrupter]) in
                defer { if received == nil { received = number } }
                return (received == nil, interrupters)
            }
            guard first else {
                Console.writeStandardError("idhealth: second signal \(number): exiting now\n")
                _exit(128 + number)
            }
            Console.writeStandardError("idhealth: signal \(number): cancelling the running statement and rolling back\n")
            for target in targets { target.interrupt() }
        }
    }

    static let state = State()
    /// Kept for the life of the process: a released source stops delivering. Written once,
    /// by `install()` on the main thread before anything else runs.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install() {
        // A closed stdout or stderr (`idhealth check | head -1`, a log reader gone) makes a
        // write fail with EPIPE, which the writers ignore, instead of killing the process
        // before it can exit with its status.
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM] {
            // The default action would kill the process before the statement is cancelled.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { state.receive(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// `database`, stopped by a signal: its running statement is cancelled, and no statement
    /// but a rollback starts after it.
    static func guarded(_ database: any Database) -> any Database {
        state.register(database.interrupter())
        state.register(database)
        return InterruptibleDatabase(base: database, state: state)
    }
}

/// Forwards to a connection, and turns a signal into ``InterruptedError``.
final class InterruptibleDatabase: DatabaseDecorator {
    let base: any Database
    let state: Interruption.State

    init(base: any Database, state: Interruption.State) {
        self.base = base
        self.state = state
    }

    /// Runs `body` unless a signal came; a failure after a signal is the signal's doing.
    private func guarded<T>(_ sql: SQL?, _ body: () throws -> T) throws -> T {
        if let signal = state.signal, sql.map({ base.dialect.render($0).text != "ROLLBACK" }) ?? true {
            throw interrupted(signal)
        }
        do {
            return try body()
        } catch {
            if let signal = state.signal { throw interrupted(signal) }
            throw error
        }
    }

    private func interrupted(_ signal: Int32) -> InterruptedError {
        InterruptedError(signal: signal, committingEachChange: base.dialect.hasTransactionalDDL ? nil : base.dialect.engine)
    }

    func execute(_ sql: SQL) throws -> Int { try guarded(sql) { try base.execute(sql) } }
    func executeScript(_ sql: SQL) throws { try guarded(sql) { try base.executeScript(sql) } }
    func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws { try guarded(sql) { try base.forEachRow(sql, body) } }
    func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        try guarded(nil) { try base.bulkLoad(into: table, columns: columns, produce) }
    }
    func useSchema(_ schema: String, create: Bool) throws { try guarded(nil) { try base.useSchema(schema, create: create) } }
    func schemaExists(_ schema: String) throws -> Bool { try guarded(nil) { try base.schemaExists(schema) } }
    func schemas(holding table: String) throws -> [String] { try guarded(nil) { try base.schemas(holding: table) } }
    func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt { try guarded(nil) { try base.tryLock(name, schema: schema, holder: holder) } }
    // unlock, like the calls not listed here, goes straight to `base`: releasing the lock is
    // part of stopping cleanly.
}
