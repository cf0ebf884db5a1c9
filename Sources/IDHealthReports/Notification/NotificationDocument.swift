import Foundation
import IDHealthSQL
import IDHealthChecks

/// The JSON document a `webhook:` destination receives (`schema/notification.schema.json`).
///
/// It says how the run went and which checks did not pass, with each one's previous value and
/// status, and nothing from the data: no samples, no identifier values, whatever
/// `--show-values` says. A change to the fields bumps `schema_version` as the report's does.
public enum NotificationDocument {
    public static let schemaVersion = "1.0.0"

    public struct Document: Codable, Sendable, Equatable {
        public let schemaVersion: String
        public let tool: JSONReport.Document.Tool
        public let run: Run
        /// The worst status of the run: `error`, `fail`, `warn` or `pass`.
        public let verdict: String
        public let summary: JSONReport.Document.Summary
        /// Every check that did not pass (`fail`, `error`, `warn`), worst first.
        public let checks: [Check]
        /// Where the HTML report is published (`report_url:`), when the configuration says.
        public let reportURL: String?

        enum CodingKeys: String, CodingKey {
            case tool, run, verdict, summary, checks
            case schemaVersion = "schema_version"
            case reportURL = "report_url"
        }
    }

    public struct Run: Codable, Sendable, Equatable {
        public let id: String
        public let finishedAt: String
        public let database: JSONReport.Document.DatabaseInfo

        enum CodingKeys: String, CodingKey {
            case id, database
            case finishedAt = "finished_at"
        }
    }

    public struct Check: Codable, Sendable, Equatable {
        public let id: String
        public let title: String
        public let status: String
        @ExplicitNull public var value: Int64?
        /// The value as the reports show it (`95.6 h` for a measurement).
        @ExplicitNull public var valueText: String?
        @ExplicitNull public var previous: Previous?
        /// The check's one-line finding (counts by kind, never values).
        @ExplicitNull public var finding: String?

        enum CodingKeys: String, CodingKey {
            case id, title, status, value, previous, finding
            case valueText = "value_text"
        }
    }

    /// The check's result on the previous recorded run, as the JSON report gives it.
    public typealias Previous = JSONReport.Document.Previous

    /// The worst status among the run's checks (a skipped check counts for nothing).
    public static func verdict(_ run: CheckRun) -> CheckStatus {
        run.results.map(\.status).filter { $0 != .skipped }.max() ?? .pass
    }

    public static func document(_ run: CheckRun, context: ReportContext, exitStatus: Int32, reportURL: String?) -> Document {
        let counts = run.summary
        let summary = JSONReport.Document.Summary(pass: counts[.pass] ?? 0, warn: counts[.warn] ?? 0, fail: counts[.fail] ?? 0,
                                                  error: counts[.error] ?? 0, skipped: counts[.skipped] ?? 0, exitStatus: exitStatus)
        let database = JSONReport.Document.DatabaseInfo(kind: context.engine.rawValue, target: context.target,
                                                        sourceSchema: context.schemas.source, targetSchema: context.schemas.target)
        let checks = run.results.filter { [.fail, .error, .warn].contains($0.status) }.sorted { $0.status > $1.status }.map { result in
            Check(id: result.id, title: result.title, status: result.status.rawValue, value: result.value, valueText: result.valueText,
                  previous: run.previous[result.id].map { Previous(status: $0.status, value: $0.value, checkedAt: $0.checkedAt) },
                  finding: result.message)
        }
        return Document(schemaVersion: schemaVersion, tool: .init(name: "idhealth", version: context.toolVersion),
                        run: Run(id: context.runID, finishedAt: ReportContext.iso8601(run.finishedAt), database: database),
                        verdict: verdict(run).rawValue, summary: summary, checks: checks, reportURL: reportURL)
    }

    /// The document as sent: UTF-8 JSON, keys sorted.
    public static func encoded(_ document: Document) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }
}
