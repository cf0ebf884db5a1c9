import Foundation
import IDHealthReports

extension Explanation {
    /// The explanation for a terminal, or as Markdown to paste into a ticket.
    package func text(markdown: Bool) -> String {
        var lines: [String] = []
        let heading: (String) -> String = { markdown ? "### " + $0 : $0 }
        let askedAs: String
        switch askedKind {
        case .segmentID: askedAs = "segment_id \(code(asked, markdown))"
        case .canonical: askedAs = "the profile \(code(asked, markdown)) itself"
        case .externalID: askedAs = "external id \(code(asked, markdown))"
        }
        let when = asOf.map { " as of \($0) UTC" } ?? ""
        lines.append(markdown ? "## Profile \(code(profile, markdown))\(when)" : "Profile \(profile)\(when)")
        if let asOf { lines += ["", "As it stood at \(asOf) UTC: only raw rows with \(asOfField ?? "uuid_ts") <= \(asOf) count."] }
        lines.append("")
        lines.append("Asked: \(askedAs). The profile holds \(memberCount) segment_id\(memberCount == 1 ? "" : "s") and \(externalIdCount) external id\(externalIdCount == 1 ? "" : "s").")
        lines.append("")
        lines.append(heading("Members, in the order they joined"))
        lines.append("")
        lines += table(["segment_id", "how", "points to", "joined at (UTC)", "event", "external ids the event brought"], members.map { member in
            // A chain's member lacks the recursive entry that would point it at the profile.
            [member.segmentID, member.how == "chain" ? "chain: no entry to \(profile)" : member.how, member.pointsTo ?? "", member.joinedAt ?? "",
             [member.eventType, member.eventID].compactMap { $0 }.joined(separator: " "), member.broughtExternalIds.joined(separator: ", ")]
        }, markdown: markdown)
        lines.append("")
        lines.append(heading("External ids"))
        lines.append("")
        lines += table(["type", "value", "first seen (UTC)", "last seen (UTC)", "other live profiles"], externalIds.map { id in
            [id.type, id.value, id.firstSeen ?? "", id.lastSeen ?? "", String(id.otherProfiles)]
        }, markdown: markdown)
        lines.append("")
        // As of a moment, the traits are the profile's then, not now.
        lines.append(heading(asOf.map { "Traits as of \($0) UTC" } ?? "Traits now"))
        lines.append("")
        lines += traits.isEmpty ? ["(none)"] : table(["trait", "value", "from", "landed at (UTC)"], traits.map { [$0.name, $0.value, $0.fromSegmentID ?? "", $0.landedAt ?? ""] }, markdown: markdown)
        lines.append("")
        lines.append(heading("Findings"))
        lines.append("")
        lines += findings.isEmpty ? ["(none)"] : findings.map { (markdown ? "* `\($0.check)`: " : "  \($0.check): ") + $0.message }
        if !leftOut.isEmpty {
            lines.append("")
            lines.append("Left out: " + leftOut.joined(separator: "; ") + ".")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func code(_ text: String, _ markdown: Bool) -> String { markdown ? "`\(text)`" : text }

    /// Rows as a Markdown table, or as columns padded to their widest cell.
    private func table(_ header: [String], _ rows: [[String]], markdown: Bool) -> [String] {
        if rows.isEmpty { return ["(none)"] }
        // A value's line break or escape sequence must not break the table or the terminal.
        let rows = rows.map { $0.map { ReportText.visible($0) } }
        if markdown {
            let escape: (String) -> String = { $0.replacingOccurrences(of: "|", with: "\\|") }
            return ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
                + rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let line: ([String]) -> String = { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([header] + rows).map { "  " + line($0) }
    }

    /// The explanation as JSON (schema/explain.schema.json): snake_case keys, sorted.
    package func json() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// Sorted snake_case keys, as the report's JSON has them.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}
