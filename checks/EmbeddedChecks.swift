// The built-in checks are the `.sql` files beside this file. SwiftPM embeds them into the
// binary (`.embedInCode` in Package.swift), so a copied `idhealth` binary needs no files.

/// The text of every built-in check file, by file name without `.sql`.
public enum EmbeddedChecks {
    public static let files: [String: String] = [
        "merge_chains": String(decoding: PackageResources.merge_chains_sql, as: UTF8.self),
        "merge_fan_in": String(decoding: PackageResources.merge_fan_in_sql, as: UTF8.self),
        "graph_stats": String(decoding: PackageResources.graph_stats_sql, as: UTF8.self),
    ]
}
