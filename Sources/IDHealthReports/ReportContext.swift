import Foundation
import IDHealthSQL
import IDHealthChecks

/// Everything a report shows besides the check results: where it ran and when.
public struct ReportContext: Sendable {
    public let runID: String
    public let engine: Dialect.Engine
    /// The database, safe to print (a path, or a URI without password).
    public let target: String
    public let schemas: Schemas
    public let toolVersion: String
    /// `idhealth explain` of the worst few profiles the samples name, as text, by the id
    /// asked: the HTML report shows them in sections its sample rows link to.
    public var explanations: [(id: String, text: String)] = []
    /// The options that reach this run's database from anywhere (`--config /abs/idhealth.yml`,
    /// …), which every `idhealth explain` command of the report carries: a reader of the
    /// report runs it from another folder. Never a password.
    public var explainOptions: [String] = []

    public init(runID: String, engine: Dialect.Engine, target: String, schemas: Schemas, toolVersion: String = IDHealthVersion.current) {
        self.runID = runID
        self.engine = engine
        self.target = target
        self.schemas = schemas
        self.toolVersion = toolVersion
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
