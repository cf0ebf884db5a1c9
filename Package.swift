// swift-tools-version:6.0
import PackageDescription

/// idhealth: materializes Segment Profiles Sync identity graphs and checks their health.
///
/// The targets follow the data, each importing only the layers below it (docs/architecture.md):
///
///     CSQLite CLibPQ CCrypto        system libraries: libsqlite3, libpq, libcrypto (SHA-1)
///     IDHealthSQL                   typed SQL, dialects, connections, values, errors
///     IDHealthGenerate              synthetic Profiles Sync data (demo, tests, benchmarks)
///     IDHealthMaterialize           id_graph, external_id_mapping, profile_traits
///     IDHealthChecks                the checks, their SQL files and their history
///     IDHealthReports               Markdown, JSON, JUnit, HTML: pure functions of a check run
///     IDHealthKit                   configuration, and "check, record, report" in one call
///     idhealth                      the command line: parses and prints
///
/// The built-in checks in `checks/` are embedded into the binary, so a copied binary works
/// anywhere.
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
            name: "IDHealthSQL",
            dependencies: ["CSQLite", "CLibPQ", "CCrypto"]
        ),
        .target(
            name: "IDHealthGenerate",
            dependencies: ["IDHealthSQL"]
        ),
        .target(
            name: "IDHealthMaterialize",
            dependencies: ["IDHealthSQL"]
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
            name: "IDHealthChecks",
            dependencies: ["IDHealthSQL", "IDHealthMaterialize", "IDHealthCheckSQL"]
        ),
        .target(
            name: "IDHealthReports",
            dependencies: ["IDHealthChecks"]
        ),
        .target(
            name: "IDHealthKit",
            dependencies: [
                "IDHealthSQL", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "idhealth",
            dependencies: [
                "IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "IDHealthKitTests",
            dependencies: ["IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "IDHealthCLITests",
            dependencies: ["IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports", "idhealth"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
