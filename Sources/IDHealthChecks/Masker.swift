import Foundation
import IDHealthSQL

/// Masks personal data in sample rows, because reports travel to chat and pull requests.
///
/// External id values, emails, phone numbers, names and user ids are masked so that they stay
/// recognisable to someone who has the data (`j***@example.com`, `us***7f3a`) and useless to
/// anyone else. Known junk values (`-1`, `null`, `0000…`) are not personal data and are shown
/// as they are, since they are usually the finding. `--show-values` turns masking off.
public struct Masker: Sendable {
    public let showValues: Bool

    public init(showValues: Bool) { self.showValues = showValues }

    /// Column names whose values are personal data.
    static let personalColumns: Set<String> = [
        "external_id_value", "value", "email", "phone", "user_id", "anonymous_id",
        "first_name", "last_name", "name", "address", "ip",
    ]

    /// Values Segment suggests blocking (plus a few more): junk, not people.
    public static func isJunk(_ value: String) -> Bool {
        JunkValues.contains(value)
    }

    public static func isPersonal(column: String) -> Bool {
        let lowered = column.lowercased()
        return personalColumns.contains(lowered) || lowered.contains("email") || lowered.contains("phone")
    }

    public func mask(row: Row) -> [SQLValue] {
        guard !showValues else { return row.values }
        return zip(row.columns, row.values).map { column, value in
            guard Self.isPersonal(column: column), case .text(let text) = value else { return value }
            return .text(mask(text))
        }
    }

    /// Masks one value: an email keeps its first letter and domain, anything else its first
    /// two and last four characters; short values keep only their first character.
    public func mask(_ value: String) -> String {
        if showValues || Self.isJunk(value) { return value }
        let characters = Array(value)
        if let at = characters.lastIndex(of: "@"), at > 0 {
            return String(characters[0]) + "***" + String(characters[at...])
        }
        if characters.count <= 8 { return String(characters[0]) + "***" }
        return String(characters[0..<2]) + "***" + String(characters[(characters.count - 4)...])
    }
}
