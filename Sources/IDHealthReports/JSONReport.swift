import Foundation
import IDHealthSQL
import IDHealthChecks

/// `identity-health.json`: the machine-readable report (DESIGN.md §6).
///
/// Its shape is versioned by `schema_version` and described by
/// `schema/identity-health.schema.json`; keys are sorted so the file diffs cleanly.
public enum JSONReport {
    public static let schemaVersion = "1.1.0"

    public static func document(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> JSONValue {
        let summary = run.summary
        var summaryObject: [String: JSONValue] = [:]
        for status in CheckStatus.allCases { summaryObject[status.rawValue] = .integer(Int64(summary[status] ?? 0)) }
        summaryObject["exit_status"] = .integer(Int64(run.exitStatus(failOn: failOn)))

        let graph: JSONValue
        if let stats = run.graph {
            graph = .object([
                "segment_ids": .integer(stats.segmentIDs),
                "profiles": .integer(stats.profiles),
                "merged_away": .integer(stats.mergedAway),
                "singletons": .integer(stats.singletons),
                "external_ids": .integer(stats.externalIDs),
                "external_ids_by_type": .object(stats.externalIDsByType.mapValues(JSONValue.integer)),
                "segment_ids_per_profile": .object(stats.segmentIDsPerProfile.mapValues(JSONValue.integer)),
            ])
        } else {
            graph = .null
        }

        let checks: [JSONValue] = run.results.map { result in
            let samples: [JSONValue] = result.samples.map { values in
                var object: [String: JSONValue] = [:]
                for (column, value) in zip(result.sampleColumns, values) { object[column] = JSONValue(value) }
                return .object(object)
            }
            return .object([
                "id": .string(result.id),
                "title": .string(result.title),
                "status": .string(result.status.rawValue),
                "value": result.value.map(JSONValue.integer) ?? .null,
                "thresholds": .object(result.thresholds.mapValues(JSONValue.string)),
                "details": .object(result.details),
                "samples": .array(samples),
                "sql": result.queries.first.map { .string($0.sql) } ?? .null,
                "queries": .array(result.queries.map { query in
                    .object(["name": .string(query.name), "sql": .string(query.sql), "parameters": .object(query.parameters.mapValues(JSONValue.string))])
                }),
                "duration_ms": .integer(Int64(result.durationMilliseconds)),
                "message": result.message.map(JSONValue.string) ?? .null,
                "previous": run.previous[result.id].map { previous in
                    .object([
                        "status": .string(previous.status),
                        "value": previous.value.map(JSONValue.integer) ?? .null,
                        "checked_at": .string(previous.checkedAt),
                    ])
                } ?? .null,
            ])
        }

        return .object([
            "schema_version": .string(schemaVersion),
            "tool": .object(["name": .string("idhealth"), "version": .string(context.toolVersion)]),
            "run": .object([
                "id": .string(context.runID),
                "started_at": .string(ReportContext.iso8601(run.startedAt)),
                "finished_at": .string(ReportContext.iso8601(run.finishedAt)),
                "database": .object([
                    "kind": .string(context.engine.rawValue),
                    "target": .string(context.target),
                    "source_schema": .string(context.schemas.source),
                    "target_schema": .string(context.schemas.target),
                ]),
            ]),
            "summary": .object(summaryObject),
            "graph": graph,
            "checks": .array(checks),
        ])
    }

    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(document(run, context: context, failOn: failOn))
        data.append(0x0A)
        return data
    }
}
