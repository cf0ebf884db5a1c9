import Foundation
import IDHealthSQL
import IDHealthChecks

/// `identity-health.md`: the report people read in a pull request, a chat message or
/// `$GITHUB_STEP_SUMMARY`.
///
/// The verdict and a table of all checks come first; then one section per check that did not
/// pass, with its details, masked samples and the SQL to reproduce it. Charts are mermaid,
/// which GitHub renders.
public enum MarkdownReport {
    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> String {
        var out: [String] = []
        out.append("# Identity health: \(verdict(run))")
        out.append("")
        out.append("`\(context.engine.rawValue)` database `\(context.target)` · raw tables in `\(context.schemas.source)`, current state in `\(context.schemas.target)` · \(ReportContext.iso8601(run.finishedAt)) · idhealth \(context.toolVersion) · exit status \(run.exitStatus(failOn: failOn))")
        out.append("")
        out.append("| Check | Status | Value | Since last run | Thresholds | Finding |")
        out.append("| --- | --- | ---: | --- | --- | --- |")
        for result in run.results {
            let thresholds = result.thresholds.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            out.append("| \(cell(result.title)) (`\(result.id)`) | \(badge(result.status)) | \(result.value.map(String.init) ?? "–") | \(trend(result, run.previous[result.id])) | \(cell(thresholds)) | \(cell(result.message ?? "")) |")
        }
        out.append("")
        out += graphSection(run.graph)
        for result in run.results where result.status != .pass {
            out += checkSection(result)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// "was 7 (+2)", "unchanged", "new"; a status change is named.
    static func trend(_ result: CheckResult, _ previous: PreviousResult?) -> String {
        guard let previous else { return "new" }
        var parts: [String] = []
        if let now = result.value, let then = previous.value {
            let change = now - then
            parts.append(change == 0 ? "unchanged" : "was \(then) (\(change > 0 ? "+" : "")\(change))")
        }
        if previous.status != result.status.rawValue { parts.append("was \(previous.status)") }
        return parts.isEmpty ? "unchanged" : parts.joined(separator: ", ")
    }

    static func verdict(_ run: CheckRun) -> String {
        let summary = run.summary
        var parts: [String] = []
        if let errors = summary[.error], errors > 0 { parts.append("\(errors) could not run") }
        if let fails = summary[.fail], fails > 0 { parts.append("\(fails) \(fails == 1 ? "failure" : "failures")") }
        if let warns = summary[.warn], warns > 0 { parts.append("\(warns) \(warns == 1 ? "warning" : "warnings")") }
        if parts.isEmpty { return "✅ healthy" }
        let icon = (summary[.error] ?? 0) + (summary[.fail] ?? 0) > 0 ? "❌" : "⚠️"
        return "\(icon) " + parts.joined(separator: ", ")
    }

    static func badge(_ status: CheckStatus) -> String {
        switch status {
        case .pass: return "✅ pass"
        case .warn: return "⚠️ warn"
        case .fail: return "❌ fail"
        case .error: return "💥 error"
        case .skipped: return "⏭️ skipped"
        }
    }

    static func graphSection(_ graph: GraphStatistics?) -> [String] {
        guard let graph else {
            return ["## Graph", "", "No materialized tables yet: run `idhealth materialize` to see graph statistics.", ""]
        }
        let perProfile = ["p50", "p90", "p99", "max"].map { String(graph.segmentIDsPerProfile[$0] ?? 0) }.joined(separator: " / ")
        let byType = graph.externalIDsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return [
            "## Graph",
            "",
            "| segment_ids | live profiles | merged away | singletons | segment_ids per profile (p50 / p90 / p99 / max) | external ids |",
            "| ---: | ---: | ---: | ---: | --- | --- |",
            "| \(graph.segmentIDs) | \(graph.profiles) | \(graph.mergedAway) | \(graph.singletons) | \(perProfile) | \(graph.externalIDs) (\(cell(byType))) |",
            "",
        ]
    }

    static func checkSection(_ result: CheckResult) -> [String] {
        var out = ["## \(badge(result.status)): \(result.title) (`\(result.id)`)", ""]
        if let message = result.message { out += [message, ""] }
        // Breakdowns (by kind, by type, by table): every detail that maps names to counts.
        for key in result.details.keys.sorted() {
            guard case .object(let counts)? = result.details[key], !counts.isEmpty,
                  counts.values.allSatisfy({ $0.intValue != nil || $0 == .null }) else { continue }
            let label = key.hasPrefix("by_") ? String(key.dropFirst(3)) : key
            let rows = counts.sorted { $0.key < $1.key }.filter { ($0.value.intValue ?? 1) > 0 }
            guard !rows.isEmpty, key != "distribution", key != "limits" else { continue }
            out += ["| \(cell(label)) | count |", "| --- | ---: |"]
            out += rows.map { "| \(cell($0.key)) | \($0.value.intValue.map(String.init) ?? "not checked") |" }
            out.append("")
        }
        if case .object(let hours)? = result.details["hours_since_last_landed"] {
            out += ["| raw table | hours since it last landed |", "| --- | ---: |"]
            out += hours.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value.stringValue ?? "never") |" }
            out.append("")
        }
        if case .array(let days)? = result.details["merges_per_day"], !days.isEmpty {
            let recent = days.suffix(60)
            out += barChart(title: "Merges per day\(days.count > recent.count ? " (last \(recent.count) days with merges)" : "")",
                            labels: recent.map { String(($0["day"]?.stringValue ?? "").suffix(5)) },
                            values: recent.map { $0["merges"]?.intValue ?? 0 }, xLabel: "day", yLabel: "merges")
        }
        if case .array(let lengths)? = result.details["chain_lengths"], !lengths.isEmpty {
            out += ["Hops from each segment_id to its terminal profile (cycles excluded):", ""]
            out += ["| hops | segment_ids |", "| ---: | ---: |"]
            out += lengths.map { "| \($0["hops"]?.intValue ?? 0) | \($0["segment_ids"]?.intValue ?? 0) |" }
            out.append("")
        }
        if case .array(let histogram)? = result.details["histogram"], !histogram.isEmpty {
            out += barChart(title: "Live profiles by segment_ids held", labels: histogram.map { $0["segment_ids"]?.stringValue ?? "" }, values: histogram.map { $0["profiles"]?.intValue ?? 0 }, xLabel: "segment_ids per profile", yLabel: "profiles")
        }
        if case .object(let distribution)? = result.details["distribution"] {
            let text = ["p50", "p90", "p99", "max"].map { "\($0) \(distribution[$0]?.intValue ?? 0)" }.joined(separator: " · ")
            out += ["Segment_ids per live profile: \(text)", ""]
        }
        if case .array(let causes)? = result.details["likely_causes"], !causes.isEmpty {
            out += ["Likely causes: the external ids shared by most segment_ids of the largest profiles.", ""]
            out += ["| profile | external id type | value | segment_ids sharing it |", "| --- | --- | --- | ---: |"]
            out += causes.map { cause in
                "| \(cell(cause["canonical_segment_id"]?.stringValue ?? "")) | \(cell(cause["external_id_type"]?.stringValue ?? "")) | `\(cell(cause["external_id_value"]?.stringValue ?? ""))` | \(cause["segment_ids"]?.intValue ?? 0) |"
            }
            out.append("")
        }
        if !result.samples.isEmpty {
            out += ["Sample (\(result.samples.count) of \(result.value ?? 0), worst first):", ""]
            out.append("| " + result.sampleColumns.map(cell).joined(separator: " | ") + " |")
            out.append("|" + String(repeating: " --- |", count: result.sampleColumns.count))
            for row in result.samples {
                out.append("| " + row.map { cell($0.stringValue ?? "NULL") }.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        if let query = result.queries.first {
            out += ["<details><summary>SQL to reproduce</summary>", "", "```sql", query.sql]
            if !query.parameters.isEmpty {
                out.append("-- parameters: " + query.parameters.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
            }
            out += ["```", "", "</details>", ""]
        }
        return out
    }

    /// A mermaid bar chart; GitHub renders it in Markdown.
    static func barChart(title: String, labels: [String], values: [Int64], xLabel: String, yLabel: String) -> [String] {
        let quotedLabels = labels.map { "\"\($0.replacingOccurrences(of: "\"", with: "'"))\"" }.joined(separator: ", ")
        return [
            "```mermaid",
            "xychart-beta",
            "    title \"\(title)\"",
            "    x-axis \"\(xLabel)\" [\(quotedLabels)]",
            "    y-axis \"\(yLabel)\"",
            "    bar [\(values.map(String.init).joined(separator: ", "))]",
            "```",
            "",
        ]
    }

    /// Escapes a value for a Markdown table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
