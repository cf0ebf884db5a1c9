import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthChecks
import IDHealthMaterialize

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

    @Option(help: ArgumentHelp("Explain the profile as it stood at this time (UTC unless it names a zone): the graph is rebuilt, in this connection's temporary tables, from the raw rows that landed by then.", valueName: "TIMESTAMP"))
    var asOf: String?

    @Option(help: ArgumentHelp("Which time --as-of compares: uuid_ts (when the row landed, the default) or timestamp (when its event happened).", valueName: "field"))
    var asOfField: PointInTime.Field = .uuidTS

    @Option(help: ArgumentHelp("With --as-of: list what changed for the profile between then and this time (or now): members gained and lost, external ids added and removed, traits changed.", valueName: "TIMESTAMP|now"))
    var compareTo: String?

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (opened, schemas) = try common.open(configuration)
            // IDHEALTH_TRACE_SQL=1 prints each statement with its time, as for check.
            let database = FaultInjection.traced(opened)
            let parse = { (option: String, text: String) throws -> PointInTime in
                guard let point = PointInTime.parse(text, field: asOfField) else {
                    throw ConfigError("\(option): `\(text)` is not a time; give YYYY-MM-DD HH:MM:SS[.ffffff] (UTC), an ISO 8601 time with a zone of at most ±14:00, or YYYY-MM-DD (a real day of the month)")
                }
                return point
            }
            let point = try asOf.map { try parse("--as-of", $0) }
            if let compareTo {
                guard let point else { throw ConfigError("--compare-to compares with the state --as-of names: give --as-of too") }
                let later = compareTo.lowercased() == "now" ? nil : try parse("--compare-to", compareTo)
                let change = try ExplanationChange.compare(id, database: database, schemas: schemas, masker: Masker(showValues: showValues),
                                                           traitNulls: configuration.traitNulls, from: point, to: later)
                switch format {
                case .text: Console.out(String(change.text(markdown: false).dropLast()))
                case .md: Console.out(String(change.text(markdown: true).dropLast()))
                case .json: Console.out(String(decoding: try change.json(), as: UTF8.self))
                }
                return 0
            }
            let explanation = try Explanation.explain(id, database: database, schemas: schemas, masker: Masker(showValues: showValues),
                                                      traitNulls: configuration.traitNulls, settings: configuration.checkSettings, asOf: point)
            switch format {
            case .text: Console.out(String(explanation.text(markdown: false).dropLast()))
            case .md: Console.out(String(explanation.text(markdown: true).dropLast()))
            case .json: Console.out(String(decoding: try explanation.json(), as: UTF8.self))
            }
            return 0
        }
    }
}
