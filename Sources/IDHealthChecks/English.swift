/// Findings are read by people and pasted into pull requests: a count agrees with its noun
/// and verb ("1 identifier value sits", "3 identifier values sit").
public enum English {
    /// `count` and the noun, plural unless the count is one.
    public static func count<N: BinaryInteger>(_ count: N, _ singular: String, plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }

    /// The verb form that agrees with `count`.
    public static func verb<N: BinaryInteger>(_ count: N, one: String, many: String) -> String {
        count == 1 ? one : many
    }
}
