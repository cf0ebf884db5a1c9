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
}
