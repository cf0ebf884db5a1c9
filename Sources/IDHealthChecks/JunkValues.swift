import Foundation
import IDHealthSQL

/// Identifier values that never identify a person, in one place: `blocked_values` looks for
/// them, and reports show them unmasked because they are the finding, not personal data.
enum JunkValues {
    /// Segment's suggested blocklist plus common placeholders, compared trimmed and lower-cased.
    static let exact = ["-1", "null", "anonymous", "undefined", "none", "nan"]
    /// Zeros and dashes only (`0`, `00000000-0000-…`), and empty or whitespace-only values.
    static let patterns = [#"^[0-]*$"#, #"^\s*$"#]
    /// Hard-coded test values that merge strangers: the default of `blocked_values.extra_values`
    /// (in `checks/blocked_values.sql`).
    static let suggestedExtras: [String] = {
        guard case .strings(let values)? = BuiltinChecks.file("blocked_values").definition.defaultValue("extra_values") else { return [] }
        return values
    }()

    /// Whether a value is one of the above (the patterns' Swift equivalent, for masking).
    static func contains(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if trimmed.allSatisfy({ $0 == "0" || $0 == "-" }) { return true }  // also the empty value
        return exact.contains(trimmed) || suggestedExtras.contains(trimmed)
    }
}
