import Foundation
import IDHealthSQL
import IDHealthChecks

/// The report formats `--format` can choose.
public enum ReportFormat: String, Sendable, CaseIterable {
    case md, json, junit, html

    public var fileName: String {
        switch self {
        case .md: return "identity-health.md"
        case .json: return "identity-health.json"
        case .junit: return "identity-health.junit.xml"
        case .html: return "identity-health.html"
        }
    }
}

/// Writes the chosen reports into a folder, each replaced atomically (written beside, then
/// renamed), so a reader never sees half a report.
public struct ReportWriter {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    @discardableResult
    public func write(_ run: CheckRun, context: ReportContext, formats: [ReportFormat], failOn: CheckStatus = .fail) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError("cannot create the report folder \(directory.path)", error)
        }
        var written: [URL] = []
        for format in formats {
            let data: Data
            switch format {
            case .md: data = Data(MarkdownReport.render(run, context: context, failOn: failOn).utf8)
            case .json: data = try JSONReport.render(run, context: context, failOn: failOn)
            case .junit: data = Data(JUnitReport.render(run, context: context, failOn: failOn).utf8)
            case .html: data = Data(HTMLReport.render(run, context: context, failOn: failOn).utf8)
            }
            let url = directory.appendingPathComponent(format.fileName)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw FileWriteError("cannot write \(url.path)", error)
            }
            written.append(url)
        }
        return written
    }
}
