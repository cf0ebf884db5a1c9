import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthChecks

/// `idhealth explain ID`: why a profile is what it is (docs/command-line.md, "explain").
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the profile an id belongs to: its members and how each joined, its external ids, its traits."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, md, json
    }

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("A segment_id, a canonical_segment_id, or an external id as TYPE:VALUE (email:jane@example.com).", valueName: "ID"))
    var id: String

    @Option(help: ArgumentHelp("text (the terminal), md (paste into a ticket) or json.", valueName: "format"))
    var format: Format = .text

    @Flag(help: "Show external id and trait values unmasked.")
    var showValues = false

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (database, schemas) = try common.open(configuration)
            let explanation = try Explanation.explain(id, database: database, schemas: schemas, masker: Masker(showValues: showValues),
                                                      traitNulls: configuration.traitNulls, settings: configuration.checkSettings)
            switch format {
            case .text: Console.out(String(explanation.text(markdown: false).dropLast()))
            case .md: Console.out(String(explanation.text(markdown: true).dropLast()))
            case .json: Console.out(String(decoding: try explanation.json(), as: UTF8.self))
            }
            return 0
        }
    }
}
