import IDHealthSQL
/// Text as a report may show it: a control character (an escape sequence a value carried in,
/// say) is written as `\x1b` instead of being passed to a terminal or a browser, and a line
/// break in a table cell becomes a space (unless `keepingLineBreaks`, for a terminal).
public enum ReportText {
    /// The sample columns that name a profile, in the order one is picked for a row's
    /// `idhealth explain` command.
    static let profileColumns = ["canonical_segment_id", "segment_id", "first_profile"]

    /// The `idhealth explain …` command that explains a sample row, when the row names a
    /// profile (segment_ids are not personal data: nothing to mask).
    public static func explainCommand(columns: [String], row: [SQLValue], options: [String] = []) -> String? {
        explainedID(columns: columns, row: row).map { explainCommand(for: $0, options: options) }
    }

    /// The profile id a sample row names, by ``profileColumns``.
    public static func explainedID(columns: [String], row: [SQLValue]) -> String? {
        for name in profileColumns {
            if let index = columns.firstIndex(of: name), index < row.count, let id = row[index].stringValue, !id.isEmpty { return id }
        }
        return nil
    }

    /// `idhealth explain ID [OPTIONS]`, each word quoted for a shell when it needs to be.
    public static func explainCommand(for id: String, options: [String] = []) -> String {
        (["idhealth", "explain", id] + options).map(shellWord).joined(separator: " ")
    }

    /// A word as a POSIX shell reads it back: as it is when it holds nothing the shell
    /// interprets, else in single quotes.
    static func shellWord(_ word: String) -> String {
        !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "_-.:@/=,+".contains($0) }
            ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// What every format says of a report made with `--show-values`.
    public static let valuesShownNotice = "Made with --show-values: personal values (emails, phone numbers, ids) appear unmasked. Do not paste this report where its readers may not see them."

    public static func visible(_ text: String, keepingLineBreaks: Bool = false) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingLineBreaks: out.unicodeScalars.append(scalar)
            case 0x0A, 0x0D: out += " "
            case 0x09: out.unicodeScalars.append(scalar)
            case 0x00..<0x20, 0x7F..<0xA0:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
