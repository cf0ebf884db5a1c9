import Foundation
import Testing
@testable import IDHealthSQL
@testable import IDHealthChecks

/// What a nightly job needs to be safe to leave unattended: runs that cannot lose each
/// other's gate, locks that cannot be bypassed, no hang, no password in a message. Real
/// processes, real servers, bounded in time.
@Suite("Reliability")
struct ReliabilityTests {
    func json(_ url: URL) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    @Test("two check runs at once both see the drift and both fail the gate", arguments: CLI.engines)
    func concurrentChecks(engine: Dialect.Engine) throws {
        try AtomicityTests.Place.with(engine) { place in
            try place.generate(profiles: 300, anomalies: "none")
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            // Five id_graph rows edited by hand: five keys a fresh rebuild disagrees with.
            let graph = QualifiedName(place.schema, "id_graph")
            let keys = try place.database.rows("SELECT segment_id FROM \(table: graph) ORDER BY segment_id LIMIT 5").compactMap { $0[0].stringValue }
            for key in keys {
                try place.database.execute("UPDATE \(table: graph) SET canonical_segment_id = 'edited' WHERE segment_id = \(bind: .text(key))")
            }
            let runs = try (1...2).map { index in
                try CLI.start(["check"] + place.arguments(["--select", "materialization_drift", "--output", "out\(index)", "--no-history"]), in: place.directory)
            }
            for (index, run) in runs.enumerated() {
                let output = try run.wait()
                #expect(output.status == 1, "run \(index + 1): \(output.stdout) \(output.stderr)")
                let report = try json(place.directory.appendingPathComponent("out\(index + 1)/identity-health.json"))
                guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); continue }
                #expect(checks.first?["status"] == .string("fail"))
                #expect(checks.first?["value"] == .integer(5))
            }
        }
    }

    @Test("SQLite: the same database through a symbolic link is the same lock")
    func lockThroughSymlink() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "real.sqlite", "--profiles", "100"], in: directory).status == 0)
            try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.sqlite").path, withDestinationPath: "real.sqlite")
            let release = directory.appendingPathComponent("release")
            let first = try CLI.start(["materialize", "--database", "real.sqlite", "--mode", "table"], in: directory,
                                      environment: ["IDHEALTH_PAUSE_AT_STATEMENT": "8", "IDHEALTH_PAUSE_RELEASE_FILE": release.path])
            try first.waitForStderr(containing: "paused at statement 8")
            let second = try CLI.run(["materialize", "--database", "link.sqlite", "--mode", "table"], in: directory)
            #expect(second.status == 3, "\(second.stderr)")
            #expect(second.stderr.contains("idhealth materialize pid \(first.process.processIdentifier)"), "the holder is named: \(second.stderr)")
            FileManager.default.createFile(atPath: release.path, contents: nil)
            #expect(try first.finish().status == 0)
            // The link reaches the same file and the same attached schemas.
            #expect(try CLI.run(["materialize", "--database", "link.sqlite", "--target-schema", "current"], in: directory).status == 0)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("real.sqlite.current.sqlite").path))
        }
    }

    @Test("SQLite: two names of one file (a hard link) written at once leave it intact: the second waits for the first")
    func hardLinkedDatabase() throws {
        try CLI.withDirectory { directory in
            let fm = FileManager.default
            for folder in ["real", "other"] { try fm.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true) }
            #expect(try CLI.run(["generate", "--database", "real/big.sqlite", "--profiles", "3000"], in: directory).status == 0)
            #expect(try CLI.run(["materialize", "--database", "real/big.sqlite", "--mode", "table"], in: directory).status == 0)
            #expect(link(directory.appendingPathComponent("real/big.sqlite").path, directory.appendingPathComponent("other/hard.sqlite").path) == 0)
            let release = directory.appendingPathComponent("release")
            // The first stops inside the swap transaction of its rebuild (statement 84 of a table-mode run).
            let first = try CLI.start(["materialize", "--database", "real/big.sqlite", "--mode", "table"], in: directory,
                                      environment: ["IDHEALTH_PAUSE_AT_STATEMENT": "84", "IDHEALTH_PAUSE_RELEASE_FILE": release.path])
            try first.waitForStderr(containing: "paused at statement 84")
            let second = try CLI.start(["materialize", "--database", "other/hard.sqlite", "--mode", "table"], in: directory)
            fm.createFile(atPath: release.path, contents: nil)
            let (one, two) = (try first.finish(), try second.wait(seconds: 120))
            #expect(one.status == 0, "\(one.stderr)")
            #expect(two.status == 0, "the second waited for the first: \(two.stderr)")
            for name in ["real/big.sqlite", "other/hard.sqlite"] {
                let database = try SQLiteDatabase(path: directory.appendingPathComponent(name).path, create: false)
                #expect(try database.scalar("PRAGMA integrity_check").stringValue == "ok", "\(name)")
            }
            let checked = try CLI.run(["check", "--database", "other/hard.sqlite", "--format", "json"], in: directory)
            #expect(checked.status == 1, "the generated anomalies, read through the other name: \(checked.stderr)")
            // Through the SQLite ODBC driver, which cannot hold the file alone: refused, nothing written.
            let odbc = try CLI.run(["check", "--database", "odbc:Driver=SQLite3;Database=\(directory.appendingPathComponent("other/hard.sqlite").path)", "--output", "odbc"], in: directory)
            #expect(odbc.status == 2 && odbc.stderr.contains("has 2 names (hard links)"), "\(odbc.stderr)")
            #expect(!fm.fileExists(atPath: directory.appendingPathComponent("odbc").path))
        }
    }

    @Test("a connection string libpq cannot parse is exit 2, and its password is never shown", arguments: [
        "postgresql://u:S3cretPW@[::1/h", "postgresql://u:S3cret%zzPW@localhost/db", "postgresql://u@localhost/db?password=S3cretPW&x=%zz",
    ])
    func unparsableConnectionString(conninfo: String) throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(["check", "--database", conninfo, "--no-history"], in: directory)
            #expect(output.status == 2, "\(output.stderr)")
            #expect(output.stderr.contains("connection string cannot be read"), "\(output.stderr)")
            #expect(!output.stderr.contains("S3cret") && !output.stdout.contains("S3cret"), "\(output.stderr)")
        }
    }

    @Test("no piece of a password libpq misreads is shown: a `/` in it makes it a port, a second `@` a host name", arguments: [
        "postgresql://u:S3cretAB/x@127.0.0.1/db", "postgresql://u:S3cretCD@S3cretEF@127.0.0.1/db",
    ])
    func misreadPassword(conninfo: String) throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(["check", "--database", conninfo, "--no-history"], in: directory)
            #expect(output.status == 2 || output.status == 3, "\(output.stderr)")
            #expect(output.stderr.contains("***"), "the message still says what libpq stumbled on: \(output.stderr)")
            #expect(!output.stderr.contains("S3cret") && !output.stdout.contains("S3cret"), "\(output.stderr)")
        }
    }

    /// A listener on loopback that accepts connections and never says a word.
    final class SilentServer {
        let process: Process
        let port: Int

        init() throws {
            (process, port) = try CLI.startLocalServer(["-c", """
                import socket, sys, time
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
                print(s.getsockname()[1], flush=True)
                held = []
                while True:
                    c, _ = s.accept(); held.append(c)
                """])
        }

        /// SIGKILL: a test runner may hand its children an ignored SIGTERM.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test("a server that accepts and never answers: exit 3 after the connect timeout, not a hang")
    func silentServer() throws {
        let server = try SilentServer()
        defer { server.stop() }
        #expect(server.port > 0)
        try CLI.withDirectory { directory in
            let started = Date()
            let running = try CLI.start(["materialize", "--database", "postgresql://idhealth@127.0.0.1:\(server.port)/x"], in: directory)
            let output = try running.wait(seconds: 60)
            let seconds = Date().timeIntervalSince(started)
            #expect(!output.signaled, "it had to be killed: a hang")
            #expect(output.status == 3, "\(output.stderr)")
            #expect(output.stderr.contains("timeout"), "\(output.stderr)")
            #expect(seconds < 45, "gave up after \(seconds) s")
            // The connection string decides when it says so.
            let quick = try CLI.run(["check", "--database", "postgresql://idhealth@127.0.0.1:\(server.port)/x?connect_timeout=2", "--no-history"], in: directory)
            #expect(quick.status == 3, "\(quick.stderr)")
        }
    }

    /// PostgreSQL: an open reader transaction on id_graph holds a lock the swap's DROP waits
    /// for (and every new reader queues behind that DROP). SQLite: another writer's open
    /// transaction holds the write lock.
    @Test("a rebuild blocked by another session waits lock_timeout, then exits 3 naming it; nothing changed", arguments: CLI.engines)
    func blockedSwap(engine: Dialect.Engine) throws {
        try AtomicityTests.Place.with(engine) { place in
            try place.generate(profiles: 100)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let before = try place.contents(place.schema, etl: true)
            // The blocking session is libpq's even when the run goes through ODBC.
        let other: any Database = engine == .sqlite ? try SQLiteDatabase(path: place.location, create: false)
            : try PostgresDatabase(conninfo: try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh"))
            let graph = QualifiedName(place.schema, "id_graph")
            switch engine {
            case .sqlite:
                try other.execute("BEGIN IMMEDIATE")
                try other.execute("UPDATE \(table: graph) SET etl_ts = etl_ts WHERE 1 = 0")
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                try other.execute("BEGIN")
                _ = try other.scalar("SELECT COUNT(*) FROM \(table: graph)")
            }
            let pid = engine == .postgres ? try other.scalar("SELECT pg_backend_pid()").stringValue ?? "?" : ""
            try "materialization: {lock_timeout: 2}\n".write(to: place.directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let started = Date()
            let blocked = try CLI.start(["materialize"] + place.arguments(["--mode", "table"]), in: place.directory).wait(seconds: 90)
            #expect(!blocked.signaled)
            #expect(blocked.status == 3, "\(blocked.stderr)")
            #expect(Date().timeIntervalSince(started) < 60)
            #expect(blocked.stderr.contains("stayed locked for 2 s (materialization.lock_timeout)"), "\(blocked.stderr)")
            if engine == .postgres {
                #expect(blocked.stderr.contains("backend pid \(pid)"), "the blocking session is named: \(blocked.stderr)")
                #expect(blocked.stderr.contains("idle in transaction"), "\(blocked.stderr)")
            }
            try other.execute("ROLLBACK")
            #expect(try place.contents(place.schema, etl: true) == before, "nothing changed")
            #expect(try place.materialize(["--mode", "table"]).status == 0, "once the other session is done, the rebuild goes through")
        }
    }

    @Test("a report the machine cannot write (file size limit, as a full disk) is exit 3, a folder the user cannot have is exit 2; a full stderr changes nothing")
    func reportWriteFailures() throws {
        try AtomicityTests.Place.with(.postgres) { place in
            try place.generate(profiles: 200)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let arguments = (["check"] + place.arguments(["--no-history", "--format", "json", "--output", "out"])).map { "'\($0)'" }.joined(separator: " ")
            // Writes past 16 KiB fail with EFBIG (SIGXFSZ ignored), as they would with ENOSPC;
            // the JSON report of the generated anomalies is larger. PostgreSQL: no other file.
            let limited = try CLI.shell("trap '' XFSZ; ulimit -f 16; exec idhealth \(arguments)", in: place.directory)
            #expect(limited.status == 3, "\(limited.stderr)")
            #expect(limited.stderr.contains("cannot write") && limited.stderr.contains("File too large"), "\(limited.stderr)")
            let out = place.directory.appendingPathComponent("out")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty, "no half-written report")
            let notAFolder = try CLI.run(["check"] + place.arguments(["--no-history", "--format", "json", "--output", "/proc/idhealth-reports"]), in: place.directory)
            #expect(notAFolder.status == 2, "\(notAFolder.stderr)")
            // A log disk that is full (or a closed log pipe) must not take the exit status with it.
            let fullLog = try CLI.shell("exec idhealth \(arguments) 2>/dev/full", in: place.directory)
            #expect(fullLog.status == 1, "exit \(fullLog.status)")
            let usage = try CLI.shell("exec idhealth check --bogus 2>/dev/full", in: place.directory)
            #expect(usage.status == 2, "exit \(usage.status): a usage error still says 2")
        }
    }

    @Test("PostgreSQL: check waits for another session's lock at most lock_timeout, then exits 3 naming the timeout")
    func checkHonoursLockTimeout() throws {
        try AtomicityTests.Place.with(.postgres) { place in
            try place.generate(profiles: 100)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let other = try PostgresDatabase(conninfo: try #require(CLI.postgresURL))
            try other.execute("BEGIN")
            try other.execute("LOCK TABLE \(table: QualifiedName(place.schema, "id_graph")) IN ACCESS EXCLUSIVE MODE")
            defer { _ = try? other.execute("ROLLBACK") }
            try "materialization: {lock_timeout: 2}\n".write(to: place.directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            // Before, the check waited for as long as the lock was held: the watchdog's SIGKILL.
            let checked = try CLI.start(["check"] + place.arguments(["--select", "merge_chains", "--no-history"]), in: place.directory).wait(seconds: 90)
            #expect(!checked.signaled, "it waited for the lock without end")
            #expect(checked.status == 3, "\(checked.stderr)")
            #expect((checked.stdout + checked.stderr).contains("lock timeout"), "says why: \(checked.stdout) \(checked.stderr)")
        }
    }

    /// Starts a table-mode rebuild that gets stuck in a statement: another session (returned,
    /// in an open transaction) holds what the rebuild needs, so the statement waits on the
    /// server (PostgreSQL) or in SQLite's busy handler.
    func stuckRebuild(_ place: AtomicityTests.Place, _ engine: Dialect.Engine) throws -> (other: any Database, running: CLI.Running) {
        // The blocking session is libpq's even when the run goes through ODBC.
        let other: any Database = engine == .sqlite ? try SQLiteDatabase(path: place.location, create: false)
            : try PostgresDatabase(conninfo: try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh"))
        let graph = QualifiedName(place.schema, "id_graph")
        if engine == .sqlite {
            try other.execute("BEGIN IMMEDIATE")
            try other.execute("UPDATE \(table: graph) SET etl_ts = etl_ts WHERE 1 = 0")
        } else {
            try other.execute("BEGIN")
            _ = try other.scalar("SELECT COUNT(*) FROM \(table: graph)")
        }
        try "materialization: {lock_timeout: 120}\n".write(to: place.directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
        let running = try CLI.start(["materialize"] + place.arguments(["--mode", "table"]), in: place.directory)
        // Generous: on a saturated machine the rebuild takes a while to reach its swap; the
        // loop ends as soon as the statement waits.
        let deadline = Date().addingTimeInterval(180)
        // Watched from a session of its own: inside `other`'s transaction pg_stat_activity is
        // a snapshot taken at its first read, so a first look before the run reached its
        // wait (a loaded machine) would have hidden the wait for good.
        let watcher: (any Database)? = engine == .postgres ? try PostgresDatabase(conninfo: try #require(CLI.postgresURL)) : nil
        var waiting = false
        while !waiting, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            if engine == .postgres {
                // With the space after the pid: `pid 123%` would also match another test's
                // process 1234 stuck on a lock, and the signal could then arrive before this
                // run has even installed its handlers.
                let name = "idhealth materialize pid \(running.process.processIdentifier) %"
                waiting = try watcher!.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name LIKE \(bind: .text(name)) AND wait_event_type = 'Lock'").intValue == 1
            } else {
                waiting = FileManager.default.fileExists(atPath: place.location + ".idhealth-materialize_main.lock")
                    && (try? String(contentsOfFile: place.location + ".idhealth-materialize_main.lock", encoding: .utf8))?.isEmpty == false
                if waiting { Thread.sleep(forTimeInterval: 1) }
            }
        }
        let state = running.process.isRunning ? "still running" : "ended with status \(running.process.terminationStatus)"
        #expect(waiting, "the run never got stuck in a statement; it is \(state); its stderr: \(running.stderrText)")
        return (other, running)
    }

    /// Whether the session of the run with process id `pid` holds a materialization lock
    /// (other tests share the server, and hold their own).
    static func materializationLockHeld(by pid: Int32) -> SQL {
        """
        SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = CAST(\(literal: .integer(Int64(PostgresSessionLock.advisoryLockClass))) AS oid) AND l.granted
          AND a.application_name LIKE \(bind: .text("idhealth materialize pid \(pid) %"))
        """
    }

    @Test("SIGTERM and SIGINT cancel the running statement, roll back, free the lock, exit 143 / 130 (PostgreSQL also through ODBC: SQLCancel, and ADBC: AdbcStatementCancel)", arguments: [
        (Dialect.Engine.postgres, SIGTERM, CLI.Transport.native), (Dialect.Engine.postgres, SIGINT, .native), (Dialect.Engine.sqlite, SIGTERM, .native), (Dialect.Engine.sqlite, SIGINT, .native),
        (Dialect.Engine.postgres, SIGTERM, .odbc), (Dialect.Engine.postgres, SIGTERM, .adbc),
    ])
    func signals(engine: Dialect.Engine, signal: Int32, transport: CLI.Transport) throws {
        try AtomicityTests.Place.with(engine, transport: transport) { place in
            try place.generate(profiles: 100)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let before = try place.contents(place.schema, etl: true)
            let (other, running) = try stuckRebuild(place, engine)
            kill(running.process.processIdentifier, signal)
            // A run that does not stop is killed by the wait's watchdog (then `signaled`).
            let output = try running.wait(seconds: 60)
            #expect(!output.signaled, "the process died of the signal instead of stopping cleanly")
            #expect(output.status == 128 + signal, "\(output.stderr)")
            #expect(output.stderr.contains("stopped by signal \(signal)"), "\(output.stderr)")
            if engine == .postgres {
                #expect(try other.scalar(Self.materializationLockHeld(by: running.process.processIdentifier)).intValue == 0, "the materialization lock is free")
            }
            try other.execute("ROLLBACK")
            #expect(try place.contents(place.schema, etl: true) == before, "nothing changed")
            #expect(try place.materialize(["--mode", "table"]).status == 0, "the next run is not refused by a dead holder")
        }
    }

    @Test("PostgreSQL: after a SIGKILL mid-statement the server ends the session, and the lock, within seconds")
    func killedClient() throws {
        try AtomicityTests.Place.with(.postgres) { place in
            try place.generate(profiles: 100)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let before = try place.contents(place.schema, etl: true)
            let (other, running) = try stuckRebuild(place, .postgres)
            #expect(try other.scalar(Self.materializationLockHeld(by: running.process.processIdentifier)).intValue == 1)
            kill(running.process.processIdentifier, SIGKILL)
            _ = try running.wait(seconds: 60)
            // The other session still holds its transaction: the statement the killed client
            // left behind would wait on for ever, but the server checks that its client is
            // still there (client_connection_check_interval) and ends the session.
            let killed = Date()
            var held = Int64(1)
            while held != 0, Date().timeIntervalSince(killed) < 30 {
                Thread.sleep(forTimeInterval: 0.25)
                held = try other.scalar(Self.materializationLockHeld(by: running.process.processIdentifier)).intValue ?? 1
            }
            #expect(held == 0, "the dead client's session still holds the materialization lock after 30 s")
            try other.execute("ROLLBACK")
            #expect(try place.contents(place.schema, etl: true) == before, "nothing changed")
            #expect(try place.materialize(["--mode", "table"]).status == 0, "the next run is not refused by a dead holder")
        }
    }
}
