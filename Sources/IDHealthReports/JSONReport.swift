import Foundation
import IDHealthSQL
import IDHealthChecks

/// `identity-health.json`: the machine-readable report (docs/reports.md).
///
/// The types below mirror `schema/identity-health.schema.json` field for field, and the
/// encoder sorts keys so the file diffs cleanly. A change to them bumps `schema_version`
/// (a new field the minor number, a removed or retyped one the major).
public enum JSONReport {
    public static let schemaVersion = "1.3.0"

    /// The whole report.
    public struct Document: Codable, Sendable, Equatable {
        public struct Tool: Codable, Sendable, Equatable {
            public let name: String
            public let version: String
        }

        public struct DatabaseInfo: Codable, Sendable, Equatable {
            public let kind: String
            /// A file path or `user@host:port/database`: never a password.
            public let target: String
            public let sourceSchema: String
            public let targetSchema: String

            enum CodingKeys: String, CodingKey {
                case kind, target
                case sourceSchema = "source_schema"
                case targetSchema = "target_schema"
            }
        }

        public struct Run: Codable, Sendable, Equatable {
            public let id: String
            public let startedAt: String
            public let finishedAt: String
            public let database: DatabaseInfo
            /// True when samples and details show personal values unmasked (`--show-values`).
            public let valuesShown: Bool

            enum CodingKeys: String, CodingKey {
                case id, database
                case valuesShown = "values_shown"
                case startedAt = "started_at"
                case finishedAt = "finished_at"
            }
        }

        public struct Summary: Codable, Sendable, Equatable {
            public let pass, warn, fail, error, skipped: Int
            public let exitStatus: Int32

            enum CodingKeys: String, CodingKey {
                case pass, warn, fail, error, skipped
                case exitStatus = "exit_status"
            }
        }

        public struct Graph: Codable, Sendable, Equatable {
            public let segmentIDs, profiles, mergedAway, singletons, externalIDs: Int64
            public let externalIDsByType: [String: Int64]
            public let segmentIDsPerProfile: [String: Int64]

            enum CodingKeys: String, CodingKey {
                case profiles, singletons
                case segmentIDs = "segment_ids"
                case mergedAway = "merged_away"
                case externalIDs = "external_ids"
                case externalIDsByType = "external_ids_by_type"
                case segmentIDsPerProfile = "segment_ids_per_profile"
            }
        }

        public struct Query: Codable, Sendable, Equatable {
            public let name: String
            public let sql: String
            public let parameters: [String: String]
        }

        public struct Previous: Codable, Sendable, Equatable {
            public let status: String
            @ExplicitNull public var value: Int64?
            public let checkedAt: String

            enum CodingKeys: String, CodingKey {
                case status, value
                case checkedAt = "checked_at"
            }
        }

        public struct Check: Codable, Sendable, Equatable {
            public let id, title, status: String
            @ExplicitNull public var value: Int64?
            public let thresholds: [String: String]
            public let details: [String: JSONValue]
            /// Offending rows, worst first, as column → value; masked unless `--show-values`.
            public let samples: [[String: JSONValue]]
            /// The primary query as it ran.
            @ExplicitNull public var sql: String?
            public let queries: [Query]
            public let durationMS: Int
            @ExplicitNull public var message: String?
            @ExplicitNull public var previous: Previous?

            enum CodingKeys: String, CodingKey {
                case id, title, status, value, thresholds, details, samples, sql, queries, message, previous
                case durationMS = "duration_ms"
            }
        }

        public let schemaVersion: String
        public let tool: Tool
        public let run: Run
        public let summary: Summary
        /// Null before the first materialization.
        @ExplicitNull public var graph: Graph?
        public let checks: [Check]

        enum CodingKeys: String, CodingKey {
            case tool, run, summary, graph, checks
            case schemaVersion = "schema_version"
        }
    }

    public static func document(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> Document {
        let counts = run.summary
        let summary = Document.Summary(pass: counts[.pass] ?? 0, warn: counts[.warn] ?? 0, fail: counts[.fail] ?? 0,
                                       error: counts[.error] ?? 0, skipped: counts[.skipped] ?? 0, exitStatus: run.exitStatus(failOn: failOn))
        let graph = run.graph.map { stats in
            Document.Graph(segmentIDs: stats.segmentIDs, profiles: stats.profiles, mergedAway: stats.mergedAway, singletons: stats.singletons,
                           externalIDs: stats.externalIDs, externalIDsByType: stats.externalIDsByType, segmentIDsPerProfile: stats.segmentIDsPerProfile)
        }
        let checks = run.results.map { result in
            Document.Check(
                id: result.id, title: result.title, status: result.status.rawValue, value: result.value,
                thresholds: result.thresholds, details: result.details.json,
                samples: result.samples.map { values in
                    var sample = Dictionary(zip(result.sampleColumns, values).map { ($0, JSONValue($1)) }, uniquingKeysWith: { _, last in last })
                    // The command that explains the row's profile; a column of that name wins.
                    if sample["explain"] == nil, let command = ReportText.explainCommand(columns: result.sampleColumns, row: values, options: context.explainOptions) {
                        sample["explain"] = .string(command)
                    }
                    return sample
                },
                sql: result.queries.first?.sql,
                queries: result.queries.map { Document.Query(name: $0.name, sql: $0.sql, parameters: $0.parameters) },
                durationMS: result.durationMilliseconds, message: result.message,
                previous: run.previous[result.id].map { Document.Previous(status: $0.status, value: $0.value, checkedAt: $0.checkedAt) }
            )
        }
        let database = Document.DatabaseInfo(kind: context.engine.rawValue, target: context.target,
                                             sourceSchema: context.schemas.source, targetSchema: context.schemas.target)
        return Document(
            schemaVersion: schemaVersion,
            tool: Document.Tool(name: "idhealth", version: context.toolVersion),
            run: Document.Run(id: context.runID, startedAt: ReportContext.iso8601(run.startedAt), finishedAt: ReportContext.iso8601(run.finishedAt), database: database,
                             valuesShown: run.valuesShown),
            summary: summary, graph: graph, checks: checks
        )
    }

    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(document(run, context: context, failOn: failOn))
        data.append(0x0A)
        return data
    }
}

/// An optional field the JSON report writes as `null` when absent (the schema requires every
/// field), where Codable would leave it out.
@propertyWrapper
public struct ExplicitNull<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
