import ArgumentParser
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

// The options that take one of a fixed set of values: the argument parser checks them and
// `--help` lists them, so a typo is exit 2 before anything connects.

extension MaterializationMode: ExpressibleByArgument {}

/// `--fail-on`: the status from which a run exits 1.
enum FailOn: String, CaseIterable, ExpressibleByArgument {
    case fail, warn

    var status: CheckStatus { self == .warn ? .warn : .fail }
}

/// `--format md,json,…`: one or more report formats, comma-separated.
struct ReportFormats: ExpressibleByArgument, Equatable {
    let formats: [ReportFormat]

    static let all = ReportFormats(formats: ReportFormat.allCases)

    init(formats: [ReportFormat]) {
        self.formats = formats
    }

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let formats = parts.compactMap(ReportFormat.init(rawValue:))
        guard !parts.isEmpty, formats.count == parts.count else { return nil }
        self.formats = formats
    }

    static var allValueStrings: [String] { ReportFormat.allCases.map(\.rawValue) }

    var defaultValueDescription: String { formats.map(\.rawValue).joined(separator: ",") }
}
