import Foundation
import IDHealthSQL
import IDHealthChecks

/// The Block Kit message a `slack:` destination receives: a header with the verdict, the
/// failing checks and the newly warning ones with their change since the last run, the checks
/// that pass again, and a link to the report when there is one.
///
/// Slack's limits (https://api.slack.com/reference/block-kit/blocks): a header's text at most
/// 150 characters, a section's 3,000, at most 50 blocks. Each list is cut at
/// ``linesPerList`` lines (or before 3,000 characters) with "and N more".
public enum SlackMessage {
    public static let linesPerList = 10
    static let headerLimit = 150
    static let sectionLimit = 3000
    static let lineLimit = 280

    /// The JSON body of the incoming-webhook request.
    public static func payload(_ run: CheckRun, context: ReportContext, reportURL: String?) -> [String: Any] {
        let verdict = NotificationDocument.verdict(run)
        let counts = run.summary
        let mark = [CheckStatus.error: "🛑", .fail: "❌", .warn: "⚠️"][verdict] ?? "✅"
        var tally: [String] = []
        for status in [CheckStatus.error, .fail, .warn] where (counts[status] ?? 0) > 0 {
            tally.append("\(counts[status]!) \(status == .error ? "erred" : status == .fail ? "failed" : "warned")")
        }
        let outcome = tally.isEmpty ? "all \(counts[.pass] ?? 0) checks pass" : tally.joined(separator: ", ")
        let headline = cut("\(mark) idhealth \(verdict.rawValue.uppercased()): \(outcome)", to: headerLimit)

        var blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": headline, "emoji": true]],
            ["type": "context", "elements": [["type": "mrkdwn", "text": escaped(cut("\(context.target) · \(context.schemas.target) · run \(context.runID)", to: lineLimit))]]],
        ]
        let failing = run.results.filter { $0.status == .fail || $0.status == .error }
        let newlyWarning = run.results.filter { $0.status == .warn && run.previous[$0.id]?.status != CheckStatus.warn.rawValue }
        let recovered = run.results.filter { $0.status == .pass && ["fail", "error", "warn"].contains(run.previous[$0.id]?.status ?? "") }
        for (heading, results) in [("Failing", failing), ("Newly warning", newlyWarning), ("Passing again", recovered)] where !results.isEmpty {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": list(heading: heading, results.map { line($0, previous: run.previous[$0.id]) })]])
        }
        if let reportURL {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": "<\(escaped(reportURL))|Open the report>"]])
        }
        return ["text": headline, "blocks": blocks]
    }

    /// The payload as sent.
    public static func encoded(_ payload: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// `• *title* (`id`): value, was previous (status)`.
    static func line(_ result: CheckResult, previous: PreviousResult?) -> String {
        let value = result.status == .error ? "error" : (result.valueText ?? "-")
        let change: String
        if let previous {
            let before = previous.value.map(String.init) ?? "-"
            change = previous.status == result.status.rawValue ? "was \(before)" : "was \(before), \(previous.status)"
        } else {
            change = "first run"
        }
        return "• *\(escaped(cut(result.title, to: 120)))* (`\(escaped(cut(result.id, to: 80)))`): \(escaped(value)) · \(change)"
    }

    /// A heading and its lines, cut at ``linesPerList`` lines or the section's size.
    static func list(heading: String, _ lines: [String]) -> String {
        var text = "*\(heading)*"
        var shown = 0
        for line in lines {
            let rest = lines.count - shown
            let tail = rest > 1 ? "\n…and \(rest - 1) more" : ""
            guard shown < linesPerList, text.count + 1 + line.count + tail.count < sectionLimit - 40 else { break }
            text += "\n" + line
            shown += 1
        }
        if shown < lines.count { text += "\n…and \(lines.count - shown) more" }
        return text
    }

    /// Text for Slack's mrkdwn: `&`, `<` and `>` are its control characters
    /// (https://api.slack.com/reference/surfaces/formatting#escaping).
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func cut(_ text: String, to limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
