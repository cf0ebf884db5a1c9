import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// `idhealth init`: writes a commented idhealth.yml.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a commented idhealth.yml with every setting and its default.")

    @Option(help: ArgumentHelp("Where to write it.", valueName: "FILE"))
    var config: String = Configuration.defaultFileName

    @Option(help: ArgumentHelp("The database to put in it.", valueName: "DB"))
    var database: String?

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        try Console.guarded {
            let url = URL(fileURLWithPath: config)
            if FileManager.default.fileExists(atPath: url.path) && !force {
                throw ConfigError("\(url.path) already exists; pass --force to overwrite it")
            }
            do {
                try Data(ConfigTemplate.text(database: database).utf8).write(to: url, options: .atomic)
            } catch {
                throw ConfigError("cannot write \(url.path): \(error.localizedDescription)")
            }
            Console.out("wrote \(url.path)")
            return 0
        }
    }
}
