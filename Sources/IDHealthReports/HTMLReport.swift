import Foundation
import IDHealthSQL
import IDHealthChecks

/// `identity-health.html`: one self-contained page (no scripts, fonts or network) with the
/// same content as the Markdown report and real charts as inline SVG: segment_ids per
/// profile, hops per segment_id, merges per day, and every check's value over the recorded
/// history.
public enum HTMLReport {
    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> String {
        var body: [String] = []
        // The verdict without the Markdown's emoji: a badge carries the colour, no font needed.
        let verdict = MarkdownReport.verdict(run).split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        let worst = run.results.map(\.status).max() ?? .pass
        body.append("<h1><span class=\"badge \(worst == .skipped ? "pass" : worst.rawValue)\">\(worst == .pass || worst == .skipped ? "healthy" : worst.rawValue)</span> Identity health: \(escape(verdict))</h1>")
        body.append("<p class=\"meta\">\(escape(context.engine.rawValue)) database <code>\(escape(context.target))</code> · raw tables in <code>\(escape(context.schemas.source))</code>, current state in <code>\(escape(context.schemas.target))</code> · \(escape(ReportContext.iso8601(run.finishedAt))) · idhealth \(escape(context.toolVersion)) · exit status \(run.exitStatus(failOn: failOn))</p>")

        body.append("<table><thead><tr><th>Check</th><th>Status</th><th class=\"n\">Value</th><th>Since last run</th><th>History</th><th>Thresholds</th><th>Finding</th></tr></thead><tbody>")
        for result in run.results {
            let thresholds = result.thresholds.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            let series = (run.history[result.id] ?? []).compactMap(\.value) + (result.value.map { [$0] } ?? [])
            body.append("<tr class=\"\(result.status.rawValue)\"><td><a href=\"#\(escape(result.id))\">\(escape(result.title))</a><br><code>\(escape(result.id))</code></td><td><span class=\"badge \(result.status.rawValue)\">\(result.status.rawValue)</span></td><td class=\"n\">\(result.value.map(String.init) ?? "–")</td><td>\(escape(MarkdownReport.trend(result, run.previous[result.id])))</td><td>\(sparkline(series))</td><td>\(escape(thresholds))</td><td>\(escape(result.message ?? ""))</td></tr>")
        }
        body.append("</tbody></table>")

        if let graph = run.graph {
            let perProfile = ["p50", "p90", "p99", "max"].map { String(graph.segmentIDsPerProfile[$0] ?? 0) }.joined(separator: " / ")
            let byType = graph.externalIDsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            body.append("<h2>Graph</h2><table><thead><tr><th class=\"n\">segment_ids</th><th class=\"n\">live profiles</th><th class=\"n\">merged away</th><th class=\"n\">singletons</th><th>segment_ids per profile (p50 / p90 / p99 / max)</th><th>external ids</th></tr></thead>")
            body.append("<tbody><tr><td class=\"n\">\(graph.segmentIDs)</td><td class=\"n\">\(graph.profiles)</td><td class=\"n\">\(graph.mergedAway)</td><td class=\"n\">\(graph.singletons)</td><td>\(perProfile)</td><td>\(graph.externalIDs) (\(escape(byType)))</td></tr></tbody></table>")
        } else {
            body.append("<h2>Graph</h2><p>No materialized tables yet: run <code>idhealth materialize</code>.</p>")
        }

        body.append("<h2>Charts</h2><div class=\"charts\">")
        for result in run.results {
            if case .array(let histogram)? = result.details["histogram"], !histogram.isEmpty {
                body.append(barChart(title: "Live profiles by segment_ids held", labels: histogram.map { $0["segment_ids"]?.stringValue ?? "" }, values: histogram.map { $0["profiles"]?.intValue ?? 0 }, logScale: true))
            }
            if case .array(let lengths)? = result.details["chain_lengths"], !lengths.isEmpty {
                body.append(barChart(title: "segment_ids by hops to their terminal profile", labels: lengths.map { String($0["hops"]?.intValue ?? 0) }, values: lengths.map { $0["segment_ids"]?.intValue ?? 0 }, logScale: true))
            }
            if case .array(let days)? = result.details["merges_per_day"], !days.isEmpty {
                body.append(barChart(title: "Merges per day", labels: days.map { String(($0["day"]?.stringValue ?? "").suffix(5)) }, values: days.map { $0["merges"]?.intValue ?? 0 }, logScale: false))
            }
        }
        for result in run.results {
            let points = (run.history[result.id] ?? []) + [HistoryPoint(checkedAt: ReportContext.iso8601(run.finishedAt), value: result.value)]
            if points.count >= 2 {
                body.append(barChart(title: "\(result.id) over the last \(points.count) runs", labels: points.map { String($0.checkedAt.prefix(10)) }, values: points.map { $0.value ?? 0 }, logScale: false))
            }
        }
        body.append("</div>")

        for result in run.results where result.status != .pass {
            body.append("<section id=\"\(escape(result.id))\"><h2><span class=\"badge \(result.status.rawValue)\">\(result.status.rawValue)</span> \(escape(result.title)) <code>\(escape(result.id))</code></h2>")
            if let message = result.message { body.append("<p>\(escape(message))</p>") }
            for key in result.details.keys.sorted() {
                guard key.hasPrefix("by_"), case .object(let counts)? = result.details[key] else { continue }
                let rows = counts.sorted { $0.key < $1.key }.filter { ($0.value.intValue ?? 1) > 0 }
                guard !rows.isEmpty else { continue }
                body.append("<table class=\"small\"><thead><tr><th>\(escape(String(key.dropFirst(3))))</th><th class=\"n\">count</th></tr></thead><tbody>")
                body += rows.map { "<tr><td>\(escape($0.key))</td><td class=\"n\">\($0.value.intValue.map(String.init) ?? "not checked")</td></tr>" }
                body.append("</tbody></table>")
            }
            if !result.samples.isEmpty {
                body.append("<p>Sample (\(result.samples.count) of \(result.value ?? 0), worst first):</p><table class=\"small\"><thead><tr>")
                body += result.sampleColumns.map { "<th>\(escape($0))</th>" }
                body.append("</tr></thead><tbody>")
                for row in result.samples {
                    body.append("<tr>" + row.map { "<td>\(escape($0.stringValue ?? "NULL"))</td>" }.joined() + "</tr>")
                }
                body.append("</tbody></table>")
            }
            if let query = result.queries.first {
                let parameters = query.parameters.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                body.append("<details><summary>SQL to reproduce</summary><pre>\(escape(query.sql))\(parameters.isEmpty ? "" : "\n-- parameters: " + escape(parameters))</pre></details>")
            }
            body.append("</section>")
        }

        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Identity health: \(escape(verdict))</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1f2328; }
            h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
            .meta { color: #59636e; font-size: .9rem; }
            table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
            th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; vertical-align: top; text-align: left; }
            th { background: #f6f8fa; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
            table.small { font-size: .85rem; }
            .badge { display: inline-block; padding: .05rem .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; color: #fff; }
            .badge.pass { background: #1a7f37; } .badge.warn { background: #9a6700; } .badge.fail { background: #cf222e; }
            .badge.error { background: #82071e; } .badge.skipped { background: #6e7781; }
            .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
            .chart { border: 1px solid #d0d7de; border-radius: .4rem; padding: .5rem; margin: 0; }
            h1 .badge { font-size: 1rem; vertical-align: middle; }
            pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .8rem; }
            code { font-size: .85em; }
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// A bar chart as inline SVG; `logScale` keeps one huge bar from flattening the rest.
    static func barChart(title: String, labels: [String], values: [Int64], logScale: Bool) -> String {
        let width = 560.0, height = 220.0, left = 48.0, bottom = 40.0, top = 28.0
        let plotWidth = width - left - 10, plotHeight = height - top - bottom
        func scaled(_ value: Int64) -> Double {
            logScale ? log10(Double(max(value, 0)) + 1) : Double(max(value, 0))
        }
        let maximum = max(values.map(scaled).max() ?? 1, 1e-9)
        let slot = plotWidth / Double(max(values.count, 1))
        var svg = ["<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"]
        svg.append("<text x=\"\(Int(left))\" y=\"16\" font-size=\"13\" font-weight=\"600\">\(escape(title))\(logScale ? " (log scale)" : "")</text>")
        svg.append("<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#8c959f\"/>")
        svg.append("<text x=\"\(left - 4)\" y=\"\(top + 10)\" font-size=\"10\" text-anchor=\"end\">\(values.max() ?? 0)</text>")
        let labelEvery = max(1, Int((Double(labels.count) / 12).rounded(.up)))
        for (index, value) in values.enumerated() {
            let barHeight = scaled(value) / maximum * plotHeight
            let x = left + Double(index) * slot + slot * 0.1
            svg.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#0969da\"><title>%@: %lld</title></rect>", x, top + plotHeight - barHeight, max(slot * 0.8, 0.5), barHeight, escape(labels[index]), value))
            if index % labelEvery == 0 {
                svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%@</text>", x + slot * 0.4, top + plotHeight + 14, escape(labels[index])))
            }
        }
        svg.append("</svg></figure>")
        return svg.joined()
    }

    /// A small line of a check's values over the recorded runs.
    static func sparkline(_ values: [Int64]) -> String {
        guard values.count >= 2 else { return "" }
        let width = 100.0, height = 24.0
        let low = Double(values.min() ?? 0), high = Double(values.max() ?? 0)
        let span = max(high - low, 1)
        let points = values.enumerated().map { index, value in
            String(format: "%.1f,%.1f", Double(index) / Double(values.count - 1) * width, height - 2 - (Double(value) - low) / span * (height - 4))
        }.joined(separator: " ")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"history\"><polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"\(points)\"/></svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
