import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// `idhealth generate`: synthetic Profiles Sync raw tables with known anomalies.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic Profiles Sync raw tables (deterministic for a seed) into the source schema."
    )

    enum Anomalies: String, ExpressibleByArgument, CaseIterable {
        case `default`, none
    }

    @OptionGroup var common: CommonOptions

    @Option(help: "How many people to simulate (1 to 5000000).")
    var profiles: Int = 10_000

    @Option(help: "Random seed: the same seed writes the same rows.")
    var seed: UInt64 = 1

    @Option(help: "Inject the default set of anomalies, or none.")
    var anomalies: Anomalies = .default

    @Option(help: ArgumentHelp("Write what was injected, as JSON, to this file.", valueName: "FILE"))
    var truth: String?

    @Flag(help: "Replace raw tables that already exist (they are refused otherwise).")
    var replace = false

    func validate() throws {
        guard ProfilesSyncGenerator.profileRange.contains(profiles) else {
            throw ValidationError("--profiles must be between 1 and 5000000, got \(profiles)")
        }
    }

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration, create: true)
            let started = Date()
            let generator = ProfilesSyncGenerator(profiles: profiles, seed: seed, anomalies: anomalies == .default)
            let result = try generator.write(to: database, schema: schemas.source, replace: replace, progress: Console.progress)
            if let truth {
                try Self.writeTruth(result, to: URL(fileURLWithPath: truth))
            }
            let rows = TableName.rawTables.map { "\($0) \(result.rows[$0] ?? 0)" }.joined(separator: ", ")
            Console.out(String(format: "Generated %d people (seed %llu, anomalies %@) into %@ in %.1fs: %@",
                               profiles, seed, anomalies.rawValue, schemas.source, Date().timeIntervalSince(started), rows))
            if let truth { Console.out("  truth: \(truth)") }
            return 0
        }
    }

    static func writeTruth(_ truth: GenerationTruth, to url: URL) throws {
        do {
            try truth.jsonData().write(to: url, options: .atomic)
        } catch {
            throw ConfigError("cannot write the truth file \(url.path): \(error.localizedDescription)")
        }
    }
}
