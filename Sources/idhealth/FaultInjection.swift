import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test-only fault injection for the kill test (README, "Atomic and locked").
///
/// With `IDHEALTH_KILL_AT_STATEMENT=N` set, the process sends itself SIGKILL just before its
/// N-th SQL statement of a materialization, so a test can stop a real run at any step,
/// including inside the swap transaction, and then check that the previous tables are intact.
/// `IDHEALTH_KILL_AT_STATEMENT=0` kills nothing and prints the number of statements run.
/// With `IDHEALTH_PAUSE_AT_STATEMENT=N` the process instead says so on stderr and waits
/// (holding its lock) until the file `IDHEALTH_PAUSE_RELEASE_FILE` exists, so the lock test
/// can start a second run against it. Unset (always, outside tests), the database is used
/// as it is. `IDHEALTH_TRACE_SQL=1` prints every statement's duration, for profiling.
enum FaultInjection {
    /// The connection with every statement's duration printed when `IDHEALTH_TRACE_SQL=1`
    /// (for `check` and `run`, which no fault test interrupts), else as it is.
    static func traced(_ database: any Database) -> any Database {
        guard ProcessInfo.processInfo.environment["IDHEALTH_TRACE_SQL"] == "1" else { return database }
        return StatementCountingDatabase(wrapping: database, killAt: nil, pauseAt: nil, releaseFile: nil, trace: true)
    }

    static func wrap(_ database: any Database) -> any Database {
        let environment = ProcessInfo.processInfo.environment
        let killAt = environment["IDHEALTH_KILL_AT_STATEMENT"].flatMap { Int($0) }
        let pauseAt = environment["IDHEALTH_PAUSE_AT_STATEMENT"].flatMap { Int($0) }
        let trace = environment["IDHEALTH_TRACE_SQL"] == "1"
        guard killAt != nil || pauseAt != nil || trace else { return database }
        return StatementCountingDatabase(wrapping: database, killAt: killAt, pauseAt: pauseAt, releaseFile: environment["IDHEALTH_PAUSE_RELEASE_FILE"], trace: trace)
    }
}

/// Forwards everything to a real connection, counting statements.
final class StatementCountingDatabase: DatabaseDecorator {
    let base: any Database
    let killAt: Int?
    let pauseAt: Int?
    let releaseFile: String?
    let trace: Bool
    var statements = 0

    init(wrapping base: any Database, killAt: Int?, pauseAt: Int?, releaseFile: String?, trace: Bool) {
        self.base = base
        self.killAt = killAt
        self.pauseAt = pauseAt
        self.releaseFile = releaseFile
        self.trace = trace
    }

    private func traced<T>(_ sql: SQL, _ body: () throws -> T) rethrows -> T {
        guard trace else { return try body() }
        let start = Date()
        defer {
            let text = base.dialect.render(sql).text
            let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ").prefix(150)
            Console.writeStandardError(String(format: "%8.3fs  %@\n", Date().timeIntervalSince(start), String(line)))
        }
        return try body()
    }

    deinit {
        if killAt == 0 {
            Console.writeStandardError("idhealth: fault injection: \(statements) statements\n")
        }
    }

    private func step() {
        statements += 1
        if statements == killAt {
            kill(getpid(), SIGKILL)
        }
        if statements == pauseAt {
            Console.writeStandardError("idhealth: fault injection: paused at statement \(statements)\n")
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, !(releaseFile.map { FileManager.default.fileExists(atPath: $0) } ?? false) {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    func execute(_ sql: SQL) throws -> Int {
        step()
        return try traced(sql) { try base.execute(sql) }
    }

    func executeScript(_ sql: SQL) throws {
        step()
        try traced(sql) { try base.executeScript(sql) }
    }

    func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        step()
        try traced(sql) { try base.forEachRow(sql, body) }
    }

    func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        step()
        try base.bulkLoad(into: table, columns: columns, produce)
    }
}
