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
        if run.valuesShown {
            out += ["> [!WARNING]", "> \(ReportText.valuesShownNotice)", ""]
        }
        out.append("| Check | Status | Value | Since last run | Thresholds | Finding |")
        out.append("| --- | --- | ---: | --- | --- | --- |")
        for result in run.results {
            let thresholds = result.thresholds.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            out.append("| \(cell(result.title)) (`\(result.id)`) | \(badge(result.status)) | \(result.valueText ?? "–") | \(trend(result, run.previous[result.id])) | \(cell(thresholds)) | \(cell(result.message ?? "")) |")
        }
        out.append("")
        out += graphSection(run.graph)
        for result in run.results where result.status != .pass {
            out += checkSection(result, explainOptions: context.explainOptions)
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
        if let fails = summary[.fail], fails > 0 { parts.append(English.count(fails, "failure")) }
        if let warns = summary[.warn], warns > 0 { parts.append(English.count(warns, "warning")) }
        // A skipped check judged nothing: the verdict says how many, so "healthy" is never
        // read as covering a check that did not run.
        let skipped = (summary[.skipped] ?? 0) > 0 ? ["\(summary[.skipped] ?? 0) skipped"] : []
        if parts.isEmpty { return (["✅ healthy"] + skipped).joined(separator: ", ") }
        let icon = (summary[.error] ?? 0) + (summary[.fail] ?? 0) > 0 ? "❌" : "⚠️"
        return "\(icon) " + (parts + skipped).joined(separator: ", ")
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

    static func checkSection(_ result: CheckResult, explainOptions: [String] = []) -> [String] {
        var out = ["## \(badge(result.status)): \(prose(result.title)) (`\(result.id)`)", ""]
        if let message = result.message { out += [prose(message), ""] }
        for section in result.details.sections {
            out += render(section.content)
        }
        if !result.samples.isEmpty {
            out += ["Sample (\(sampleExtent(result)), worst first):", ""]
            let explain = result.samples.map { ReportText.explainCommand(columns: result.sampleColumns, row: $0, options: explainOptions) }
            let explains = explain.contains { $0 != nil }
            out.append("| " + (result.sampleColumns.map(cell) + (explains ? ["explain"] : [])).joined(separator: " | ") + " |")
            out.append("|" + String(repeating: " --- |", count: result.sampleColumns.count + (explains ? 1 : 0)))
            for (row, command) in zip(result.samples, explain) {
                let cells = row.map { cell($0.stringValue ?? "NULL") } + (explains ? [command.map(codeCell) ?? ""] : [])
                out.append("| " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        if !result.queries.isEmpty {
            out += ["<details><summary>SQL to reproduce (\(English.count(result.queries.count, "query", plural: "queries")))</summary>", ""]
            for query in result.queries {
                out += ["```sql", "-- \(query.name)", ReportText.visible(query.sql, keepingLineBreaks: true)]
                if !query.parameters.isEmpty { out.append("-- parameters: " + ReportText.visible(query.parameterList)) }
                out += ["```", ""]
            }
            out += ["</details>", ""]
        }
        return out
    }

    /// "5 of 9"; a measurement (hours) is no count of rows, so only the rows shown are.
    static func sampleExtent(_ result: CheckResult) -> String {
        result.measuredValue == nil ? "\(result.samples.count) of \(result.value ?? 0)" : English.count(result.samples.count, "row")
    }

    /// One section of a check's details; scalars, lists and settings are for the JSON report.
    static func render(_ content: DetailContent) -> [String] {
        switch content {
        case .counts(let counts):
            let rows = counts.counts.sorted { $0.key < $1.key }.filter { ($0.value ?? 1) > 0 }
            guard !rows.isEmpty else { return [] }
            return ["| \(cell(counts.label)) | count |", "| --- | ---: |"]
                + rows.map { "| \(cell($0.key)) | \($0.value.map(String.init) ?? "not checked") |" } + [""]
        case .measurements(let measurements):
            return ["| \(cell(measurements.label)) | \(cell(measurements.heading)) |", "| --- | ---: |"]
                + measurements.values.sorted { $0.key < $1.key }.map { "| \(cell($0.key)) | \($0.value.map { String($0) } ?? "never") |" } + [""]
        case .series(let series) where !series.points.isEmpty:
            switch series.kind {
            case .steps:
                return ["\(series.title):", "", "| \(series.labelKey) | \(series.valueKey) |", "| ---: | ---: |"]
                    + series.points.map { "| \($0.label.stringValue ?? "") | \($0.value) |" } + [""]
            case .daily:
                // The last 60 days with merges: enough to see a spike, small enough to read.
                let recent = series.points.suffix(60)
                return barChart(title: series.title + (series.points.count > recent.count ? " (last \(recent.count) days with merges)" : ""),
                                labels: recent.map { String(($0.label.stringValue ?? "").suffix(5)) }, values: recent.map(\.value),
                                xLabel: series.xLabel, yLabel: series.yLabel)
            case .distribution:
                return barChart(title: series.title, labels: series.points.map { $0.label.stringValue ?? "" }, values: series.points.map(\.value),
                                xLabel: series.xLabel, yLabel: series.yLabel)
            }
        case .percentiles(let percentiles):
            return ["\(percentiles.title): " + percentiles.values.map { "\($0.name) \($0.value)" }.joined(separator: " · "), ""]
        case .rows(let table) where !table.rows.isEmpty:
            return [table.title, "", "| " + table.columns.map { cell($0.heading) }.joined(separator: " | ") + " |",
                    "|" + table.columns.map { $0.numeric ? " ---: |" : " --- |" }.joined()]
                + table.rows.map { row in
                    "| " + zip(table.columns, row).map { column, value in
                        let text = cell(value.stringValue ?? "")
                        return column.code ? "`\(text)`" : text
                    }.joined(separator: " | ") + " |"
                } + [""]
        default:
            return []
        }
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
    /// Text as a code span in a table cell: visible characters only, `|` escaped (GitHub
    /// reads it as a column break even there), and fenced by more backticks than any run
    /// inside, so an id or path with a backtick cannot end the span early.
    static func codeCell(_ text: String) -> String {
        let shown = ReportText.visible(text).replacingOccurrences(of: "|", with: "\\|")
        let longest = shown.split(separator: "`", omittingEmptySubsequences: false).count > 1
            ? (shown.components(separatedBy: CharacterSet(charactersIn: "`").inverted).map(\.count).max() ?? 0) : 0
        let fence = String(repeating: "`", count: longest + 1)
        let pad = longest > 0 ? " " : ""
        return fence + pad + shown + pad + fence
    }

    static func cell(_ text: String) -> String {
        prose(text).replacingOccurrences(of: "|", with: "\\|")
    }

    /// Text from the data or a check file as Markdown prose: visible characters only, and
    /// `&`, `<`, `>` as entities, since GitHub renders HTML in Markdown — a value `<!-- x`
    /// would hide the rest of the report (and of a job summary), `<img …>` would load.
    static func prose(_ text: String) -> String {
        ReportText.visible(text)
            .replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
