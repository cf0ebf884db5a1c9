// swift-tools-version:6.0
import PackageDescription

/// idhealth: materializes Segment Profiles Sync identity graphs and checks their health.
///
/// A thin `idhealth` executable over the `IDHealthKit` library; the system C libraries
/// libsqlite3 and libpq are reached through two `.systemLibrary` targets, and the built-in
/// checks in `checks/` are embedded into the binary so a copied binary works anywhere.
let package = Package(
    name: "idhealth",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "idhealth", targets: ["idhealth"]),
        .library(name: "IDHealthKit", targets: ["IDHealthKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "IDHealthCheckSQL",
            path: "checks",
            exclude: ["README.md"],
            resources: [
                .embedInCode("merge_chains.sql"),
                .embedInCode("merge_fan_in.sql"),
                .embedInCode("merged_profile_traits.sql"),
                .embedInCode("external_id_collisions.sql"),
                .embedInCode("identifier_limits.sql"),
                .embedInCode("blocked_values.sql"),
                .embedInCode("external_id_hash.sql"),
                .embedInCode("duplicate_rows.sql"),
                .embedInCode("freshness.sql"),
                .embedInCode("materialization_drift.sql"),
                .embedInCode("merge_rate_anomaly.sql"),
                .embedInCode("graph_stats.sql"),
            ]
        ),
        .target(
            name: "IDHealthKit",
            dependencies: [
                "CSQLite",
                "CLibPQ",
                "CCrypto",
                "IDHealthCheckSQL",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "idhealth",
            dependencies: [
                "IDHealthKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "IDHealthKitTests",
            dependencies: ["IDHealthKit"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "IDHealthCLITests",
            dependencies: ["IDHealthKit", "idhealth"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
