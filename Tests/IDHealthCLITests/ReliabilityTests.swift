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

    @Test("two check runs at once both see the drift and both fail the gate", arguments: Dialect.Engine.allCases)
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

    /// A listener on loopback that accepts connections and never says a word.
    final class SilentServer {
        let process = Process()
        let port: Int

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import socket, sys, time
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
                print(s.getsockname()[1], flush=True)
                held = []
                while True:
                    c, _ = s.accept(); held.append(c)
                """]
            let output = Pipe()
            process.standardOutput = output
            // Nothing of the test's own output is handed down: it would keep the runner waiting.
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
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
}
