// swift-tools-version:6.0
import PackageDescription

/// idhealth: materializes Segment Profiles Sync identity graphs and checks their health.
///
/// The targets follow the data, each importing only the layers below it (docs/architecture.md):
///
///     CSQLite CLibPQ CCrypto        system libraries: libsqlite3, libpq, libcrypto (SHA-1)
///     CODBC                         the ODBC API (unixODBC: dlopen)
///     CADBC                         ADBC's C API and Arrow's C data interface (drivers: dlopen)
///     CCurl                         libcurl's easy interface (notifications, BigQuery: dlopen)
///     IDHealthSQL                   typed SQL, dialects, connections, values, errors
///     IDHealthGenerate              synthetic Profiles Sync data (demo, tests, benchmarks)
///     IDHealthMaterialize           id_graph, external_id_mapping, profile_traits
///     IDHealthChecks                the checks, their SQL files and their history
///     IDHealthReports               Markdown, JSON, JUnit, HTML: pure functions of a check run
///     IDHealthKit                   configuration, and "check, record, report" in one call
///     idhealth                      the command line: parses and prints
///
/// The built-in checks are the `.sql` files of `checks/`, embedded into the binary by the
/// EmbedCheckFiles plugin (so a copied binary works anywhere); the folder is their only list.
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
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
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
        // The ADBC C API and the Arrow C data interface, declarations only: drivers are
        // shared libraries loaded with dlopen when a --database names one.
        .systemLibrary(name: "CADBC"),
        // libcurl's easy interface, declarations only: loaded with dlopen when a notification
        // is sent (docs/notifications.md) or BigQuery's REST API is called.
        .systemLibrary(name: "CCurl"),
        // The ODBC API, declarations only: unixODBC's driver manager is loaded with dlopen
        // when an odbc: database is used.
        .systemLibrary(name: "CODBC"),
        .target(
            name: "IDHealthSQL",
            dependencies: ["CSQLite", "CLibPQ", "CCrypto", "CODBC", "CADBC", "CCurl"]
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
            sources: ["EmbeddedChecks.swift"],
            plugins: ["EmbedCheckFiles"]
        ),
        .target(
            name: "IDHealthChecks",
            dependencies: ["IDHealthSQL", "IDHealthMaterialize", "IDHealthCheckSQL"],
            plugins: ["EmbedCheckFiles"]
        ),
        .plugin(
            name: "EmbedCheckFiles",
            capability: .buildTool()
        ),
        .target(
            name: "IDHealthReports",
            dependencies: ["IDHealthSQL", "IDHealthChecks", .product(name: "Mustache", package: "swift-mustache")],
            resources: [.embedInCode("Templates/identity-health.html.mustache")]
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
            dependencies: ["IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthCheckSQL", "IDHealthChecks", "IDHealthReports"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "IDHealthCLITests",
            dependencies: ["IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports", "idhealth"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
