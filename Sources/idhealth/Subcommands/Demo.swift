import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// `idhealth demo`: generate → materialize → check → reports, on a SQLite file of its own.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate demo data with known anomalies, materialize it, check it and write the reports."
    )

    @Option(help: ArgumentHelp("Folder for the demo database, config and reports.", valueName: "DIR"))
    var dir: String = "idhealth-demo"

    @Option(help: "How many people to simulate.")
    var profiles: Int = 5_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    func validate() throws {
        guard (1...1_000_000).contains(profiles) else {
            throw ValidationError("--profiles must be between 1 and 1000000 for the demo, got \(profiles)")
        }
    }

    func run() throws {
        try Console.guarded {
            let started = Date()
            let folder = URL(fileURLWithPath: dir).standardizedFileURL
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw ConfigError("cannot create \(folder.path): \(error.localizedDescription)")
            }
            let databaseURL = folder.appendingPathComponent("demo.sqlite")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: databaseURL.path + suffix)
            }
            let configURL = folder.appendingPathComponent(Configuration.defaultFileName)
            try Data(ConfigTemplate.text(database: "demo.sqlite").utf8).write(to: configURL, options: .atomic)
            let configuration = try Configuration.load(path: configURL.path, workingDirectory: folder)

            let database = Interruption.guarded(try SQLiteDatabase(path: databaseURL.path))
            let schemas = Schemas(source: "main", target: "main")
            let truth = try ProfilesSyncGenerator(profiles: profiles, seed: seed, anomalies: true)
                .write(to: database, schema: schemas.source, replace: true, progress: Console.progress)
            let truthURL = folder.appendingPathComponent("truth.json")
            try Generate.writeTruth(truth, to: truthURL)
            Console.out("Generated \(profiles) people with the default anomalies (seed \(seed)) into \(databaseURL.path)")

            try Materialize.materialize(database: database, schemas: schemas, configuration: configuration, options: MaterializeOptions.parse(["--mode", "table"]))
            // The demo's data is small: its HTML report explains the worst three profiles.
            var options = try CheckOptions.parse(["--explain-worst", "3"])
            options.output = folder.appendingPathComponent("reports").path
            // The generated history ends on a fixed date; freshness is judged an hour after it.
            let asOf = ProfilesSyncGenerator.windowEnd.addingTimeInterval(3_600)
            let status = try Check.check(database: database, schemas: schemas, configuration: configuration, options: options,
                                         notifier: try Notifier(configuration: configuration), explainOptions: ["--config", configURL.path], now: asOf)
            Console.out("")
            Console.out("Demo finished in \(String(format: "%.1f", Date().timeIntervalSince(started)))s; the checks would exit \(status) in CI.")
            Console.out("  reports:  \(folder.appendingPathComponent("reports").path)/identity-health.md (and .json)")
            Console.out("  injected: \(truthURL.path)")
            Console.out("  again:    \(Self.invocation) run --config \(Self.shellQuoted(configURL.path))")
            Console.out("            (the demo judged freshness as of an hour after its data ends, \(UTCTime.format(Int64(ProfilesSyncGenerator.windowEnd.timeIntervalSince1970))) UTC;")
            Console.out("            a run judges it as of now, so freshness warns that the raw tables are old)")
            return 0
        }
    }

    /// The command that runs this binary again from any folder: `idhealth` when the shell
    /// found it on PATH, else its absolute path (after `swift run`, `.build/debug/idhealth`,
    /// which is not on PATH).
    static var invocation: String {
        let first = CommandLine.arguments.first ?? "idhealth"
        guard first.contains("/") else { return first }
        return shellQuoted(URL(fileURLWithPath: first).standardizedFileURL.path)
    }

    /// `text` as one shell word.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
