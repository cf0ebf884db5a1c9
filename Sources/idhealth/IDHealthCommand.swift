import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// The `idhealth` command: a thin shell over IDHealthKit. It parses arguments, prints
/// diagnostics once to stderr and maps every failure to the exit status of docs/command-line.md.
@main
struct IDHealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idhealth",
        abstract: "Materialize Segment Profiles Sync identity graphs and check their health.",
        discussion: """
            Exit status: 0 nothing failed; 1 a check failed; 2 the tool could not run as asked \
            (bad arguments, config, missing table or column); 3 a database or runtime error.
            """,
        version: IDHealthVersion.current,
        subcommands: [Demo.self, Generate.self, Materialize.self, Check.self, Run.self, Explain.self, Compile.self, Init.self]
    )

    /// Parses and runs, with argument-parser's usage errors mapped to exit status 2 (it uses
    /// 64 by default) so that CI sees one code for "the tool could not run as asked".
    static func main() {
        Interruption.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            // One prefix for every error: `idhealth: …`, as Console.error writes the others.
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            if code == .success {
                print(message)
                exit(0)
            }
            // Usage errors are 2; anything else that escaped is the tool breaking: 3, never 1.
            Console.error(message)
            exit(code == .validationFailure ? 2 : 3)
        }
        exit(0)
    }

    /// Exits with `status` once every connection has cleaned up what it keeps on the server.
    static func exit(_ status: Int32) -> Never {
        Interruption.state.closeConnections()
        Foundation.exit(status)
    }
}
