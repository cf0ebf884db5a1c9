import Foundation
import IDHealthSQL
import IDHealthChecks
import Mustache

/// `identity-health.html`: one self-contained page (no scripts, fonts or network) with the
/// same content as the Markdown report and real charts as inline SVG: segment_ids per
/// profile, hops per segment_id, merges per day, and every check's value over the recorded
/// history.
///
/// The page is the Mustache template `Templates/identity-health.html.mustache` (embedded in
/// the binary), rendered by swift-mustache from the view below; this file only works out what
/// the page shows and where each bar of a chart goes. Mustache escapes every value for HTML.
public enum HTMLReport {
    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> String {
        template.render(Page(run, context: context, failOn: failOn))
    }

    /// The fragment id of an explained profile's section: the id's characters that are safe
    /// in a URL fragment, and a hash of the whole so that two ids never share one.
    static func anchor(for id: String) -> String {
        let safe = String(id.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }.map(Character.init).prefix(40))
        return "explain-\(safe)-\(SHA1Hex.digest(id).prefix(8))"
    }

    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: String(decoding: PackageResources.identity_health_html_mustache, as: UTF8.self))
        } catch {
            // The template is part of the build; a broken one fails every report test.
            preconditionFailure("Templates/identity-health.html.mustache: \(error)")
        }
    }()

    // MARK: - The page

    struct Page {
        struct Badge { let status: String; let text: String }
        struct Meta { let engine, target, source, destination, time, version: String; let exitStatus: Int32 }
        struct Sparkline { let points: String }
        struct CheckRow { let id, title, status, value, trend, thresholds, finding: String; let sparkline: Sparkline? }
        struct Graph { let segmentIDs, profiles, mergedAway, singletons: Int64; let perProfile: String; let externalIDs: Int64; let byType: String }
        struct CountRow { let name: String; let count: String }
        struct Counts { let label: String; let rows: [CountRow] }
        struct Heading { let heading: String; let numeric: Bool }
        struct Cell { let text: String; let code: Bool; let numeric: Bool }
        struct TableRow { let cells: [Cell] }
        struct Table { let title: String; let headings: [Heading]; let rows: [TableRow] }
        struct SampleCell { let text: String; let link: String? }
        struct SampleRow { let cells: [SampleCell] }
        /// A pre-rendered `idhealth explain`, which sample rows naming its id link to.
        struct Explained { let anchor, command, text: String }
        struct Sample { let extent: String; let columns: [String]; let rows: [SampleRow] }
        struct Query { let name, text: String; let parameters: String? }
        struct Section {
            let id, status, title: String
            let message: String?
            let counts: [Counts]
            let tables: [Table]
            let sample: Sample?
            let queries: [Query]
            let queryCount: String
            let hasQueries: Bool
        }

        let verdict: String
        /// Set for a `--show-values` report: the page says so at the top.
        let valuesShownNotice: String?
        let badge: Badge
        let meta: Meta
        let checks: [CheckRow]
        let graph: Graph?
        let charts: [Chart]
        let sections: [Section]
        let explained: [Explained]
        let hasExplained: Bool

        init(_ run: CheckRun, context: ReportContext, failOn: CheckStatus) {
            // The verdict without the Markdown's emoji: a badge carries the colour, no font needed.
            verdict = MarkdownReport.verdict(run).split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            valuesShownNotice = run.valuesShown ? ReportText.valuesShownNotice : nil
            let worst = run.results.map(\.status).max() ?? .pass
            badge = Badge(status: worst == .skipped ? "pass" : worst.rawValue, text: worst == .pass || worst == .skipped ? "healthy" : worst.rawValue)
            meta = Meta(engine: context.engine.rawValue, target: context.target, source: context.schemas.source, destination: context.schemas.target,
                        time: ReportContext.iso8601(run.finishedAt), version: context.toolVersion, exitStatus: run.exitStatus(failOn: failOn))
            checks = run.results.map { result in
                let series = (run.history[result.id] ?? []).compactMap(\.value) + (result.value.map { [$0] } ?? [])
                return CheckRow(id: result.id, title: result.title, status: result.status.rawValue, value: result.valueText ?? "–",
                                trend: MarkdownReport.trend(result, run.previous[result.id]),
                                thresholds: result.thresholds.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; "),
                                finding: ReportText.visible(result.message ?? ""), sparkline: HTMLReport.sparkline(series))
            }
            graph = run.graph.map { graph in
                Graph(segmentIDs: graph.segmentIDs, profiles: graph.profiles, mergedAway: graph.mergedAway, singletons: graph.singletons,
                      perProfile: ["p50", "p90", "p99", "max"].map { String(graph.segmentIDsPerProfile[$0] ?? 0) }.joined(separator: " / "),
                      externalIDs: graph.externalIDs,
                      byType: graph.externalIDsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            var charts: [Chart] = []
            for result in run.results {
                for section in result.details.sections {
                    guard case .series(let series) = section.content, !series.points.isEmpty else { continue }
                    let labels = series.points.map { point in
                        series.kind == .daily ? String((point.label.stringValue ?? "").suffix(5)) : point.label.stringValue ?? ""
                    }
                    charts.append(Chart(title: series.title, labels: labels, values: series.points.map(\.value), logScale: series.kind != .daily))
                }
            }
            for result in run.results {
                let points = (run.history[result.id] ?? []) + [HistoryPoint(checkedAt: ReportContext.iso8601(run.finishedAt), value: result.value)]
                if points.count >= 2 {
                    charts.append(Chart(title: "\(result.id) over the last \(points.count) runs", labels: HTMLReport.runLabels(points.map(\.checkedAt)),
                                        values: points.map { $0.value ?? 0 }, logScale: false))
                }
            }
            self.charts = charts
            let anchors = Dictionary(context.explanations.map { ($0.id, HTMLReport.anchor(for: $0.id)) }, uniquingKeysWith: { first, _ in first })
            sections = run.results.filter { $0.status != .pass }.map { Self.section($0, anchors: anchors, explainOptions: context.explainOptions) }
            explained = context.explanations.map { Explained(anchor: HTMLReport.anchor(for: $0.id), command: ReportText.explainCommand(for: $0.id, options: context.explainOptions), text: ReportText.visible($0.text, keepingLineBreaks: true)) }
            hasExplained = !explained.isEmpty
        }

        static func section(_ result: CheckResult, anchors: [String: String], explainOptions: [String]) -> Section {
            var counts: [Counts] = []
            var tables: [Table] = []
            for section in result.details.sections {
                switch section.content {
                case .counts(let breakdown):
                    let rows = breakdown.counts.sorted { $0.key < $1.key }.filter { ($0.value ?? 1) > 0 }
                        .map { CountRow(name: $0.key, count: $0.value.map(String.init) ?? "not checked") }
                    if !rows.isEmpty { counts.append(Counts(label: breakdown.label, rows: rows)) }
                case .rows(let table) where !table.rows.isEmpty:
                    tables.append(Table(title: table.title, headings: table.columns.map { Heading(heading: $0.heading, numeric: $0.numeric) },
                                        rows: table.rows.map { row in
                                            TableRow(cells: zip(table.columns, row).map { Cell(text: ReportText.visible($1.stringValue ?? ""), code: $0.code, numeric: $0.numeric) })
                                        }))
                case .measurements(let measurements):
                    tables.append(Table(title: "", headings: [Heading(heading: measurements.label, numeric: false), Heading(heading: measurements.heading, numeric: true)],
                                        rows: measurements.values.sorted { $0.key < $1.key }.map { name, value in
                                            TableRow(cells: [Cell(text: name, code: false, numeric: false), Cell(text: value.map { String($0) } ?? "never", code: false, numeric: true)])
                                        }))
                default:
                    continue
                }
            }
            let explained = result.samples.map { ReportText.explainedID(columns: result.sampleColumns, row: $0) }
            let explains = explained.contains { $0 != nil }
            let sample = result.samples.isEmpty ? nil : Sample(
                extent: MarkdownReport.sampleExtent(result), columns: result.sampleColumns + (explains ? ["explain"] : []),
                rows: zip(result.samples, explained).map { row, id in
                    let cells = row.map { SampleCell(text: ReportText.visible($0.stringValue ?? "NULL"), link: nil) }
                    let command = SampleCell(text: id.map { ReportText.explainCommand(for: $0, options: explainOptions) } ?? "", link: id.flatMap { anchors[$0] })
                    return SampleRow(cells: cells + (explains ? [command] : []))
                })
            let queries = result.queries.map { query in
                Query(name: query.name, text: ReportText.visible(query.sql, keepingLineBreaks: true),
                      parameters: query.parameters.isEmpty ? nil : ReportText.visible(query.parameterList))
            }
            return Section(id: result.id, status: result.status.rawValue, title: result.title, message: result.message.map { ReportText.visible($0) },
                           counts: counts, tables: tables, sample: sample, queries: queries,
                           queryCount: English.count(queries.count, "query", plural: "queries"), hasQueries: !queries.isEmpty)
        }
    }

    // MARK: - Charts

    /// A bar chart as inline SVG geometry; `logScale` keeps one huge bar from flattening the rest.
    struct Chart {
        struct Bar { let x, y, width, height, labelX, labelY: String; let label: String; let value: Int64; let showsLabel: Bool }
        let title: String
        let logScale: Bool
        let width = 560, height = 200, left = 48
        let baseline, right, maxLabelX, maxLabelY: String
        let maximum: Int64
        let bars: [Bar]

        init(title: String, labels: [String], values: [Int64], logScale: Bool) {
            self.title = title
            self.logScale = logScale
            let width = 560.0, height = 200.0, left = 48.0, bottom = 40.0, top = 8.0
            let plotWidth = width - left - 10, plotHeight = height - top - bottom
            func scaled(_ value: Int64) -> Double {
                logScale ? log10(Double(max(value, 0)) + 1) : Double(max(value, 0))
            }
            let largest = max(values.map(scaled).max() ?? 1, 1e-9)
            let slot = plotWidth / Double(max(values.count, 1))
            let labelEvery = max(1, Int((Double(labels.count) / 12).rounded(.up)))
            func number(_ value: Double) -> String { String(format: "%.1f", value) }
            baseline = number(top + plotHeight)
            right = number(left + plotWidth)
            maxLabelX = number(left - 4)
            maxLabelY = number(top + 10)
            maximum = values.max() ?? 0
            bars = values.enumerated().map { index, value in
                let barHeight = scaled(value) / largest * plotHeight
                let x = left + Double(index) * slot + slot * 0.1
                return Bar(x: number(x), y: number(top + plotHeight - barHeight), width: number(max(slot * 0.8, 0.5)), height: number(barHeight),
                           labelX: number(x + slot * 0.4), labelY: number(top + plotHeight + 14), label: labels[index], value: value,
                           showsLabel: index % labelEvery == 0)
            }
        }
    }

    /// Labels for runs by their ISO 8601 times: the day when every run fell on a different
    /// day, else the time of day too, so runs of one day are told apart.
    static func runLabels(_ times: [String]) -> [String] {
        let days = times.map { String($0.prefix(10)) }
        if Set(days).count == days.count { return days.map { String($0.suffix(5)) } }
        let clock = times.map { String($0.dropFirst(11).prefix(8)) }
        if Set(days).count == 1 { return Set(clock.map { $0.prefix(5) }).count == clock.count ? clock.map { String($0.prefix(5)) } : clock }
        return zip(days, clock).map { "\($0.suffix(5)) \($1.prefix(5))" }
    }

    /// A small line of a check's values over the recorded runs.
    static func sparkline(_ values: [Int64]) -> Page.Sparkline? {
        guard values.count >= 2 else { return nil }
        let width = 100.0, height = 24.0
        let low = Double(values.min() ?? 0), high = Double(values.max() ?? 0)
        let span = max(high - low, 1)
        let points = values.enumerated().map { index, value in
            String(format: "%.1f,%.1f", Double(index) / Double(values.count - 1) * width, height - 2 - (Double(value) - low) / span * (height - 4))
        }.joined(separator: " ")
        return Page.Sparkline(points: points)
    }
}
