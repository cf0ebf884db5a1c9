// The built-in checks are the `.sql` files beside this file. SwiftPM embeds them into the
// binary (`.embedInCode` in Package.swift), so a copied `idhealth` binary needs no files.

/// The text of every built-in check file, by file name without `.sql`.
public enum EmbeddedChecks {
    public static let files: [String: String] = [
        "merge_chains": String(decoding: PackageResources.merge_chains_sql, as: UTF8.self),
        "merge_fan_in": String(decoding: PackageResources.merge_fan_in_sql, as: UTF8.self),
        "merged_profile_traits": String(decoding: PackageResources.merged_profile_traits_sql, as: UTF8.self),
        "external_id_collisions": String(decoding: PackageResources.external_id_collisions_sql, as: UTF8.self),
        "identifier_limits": String(decoding: PackageResources.identifier_limits_sql, as: UTF8.self),
        "blocked_values": String(decoding: PackageResources.blocked_values_sql, as: UTF8.self),
        "external_id_hash": String(decoding: PackageResources.external_id_hash_sql, as: UTF8.self),
        "duplicate_rows": String(decoding: PackageResources.duplicate_rows_sql, as: UTF8.self),
        "freshness": String(decoding: PackageResources.freshness_sql, as: UTF8.self),
        "materialization_drift": String(decoding: PackageResources.materialization_drift_sql, as: UTF8.self),
        "merge_rate_anomaly": String(decoding: PackageResources.merge_rate_anomaly_sql, as: UTF8.self),
        "graph_stats": String(decoding: PackageResources.graph_stats_sql, as: UTF8.self),
    ]
}
