import Foundation
import Testing

/// The release binary is one file a team copies onto a runner that has no Swift toolchain: it
/// links the Swift runtime and Foundation statically (`swift build -c release
/// --static-swift-stdlib`) and needs only the system's libpq, libsqlite3 and libcrypto.
///
/// `scripts/test.sh` builds it and names it in `IDHEALTH_RELEASE_BINARY`. The test runs it in
/// a mount namespace where the toolchain's runtime libraries and programs are hidden under
/// empty folders, with an empty environment; the debug build, which loads the runtime from
/// the toolchain, must fail there, so the test proves the hiding works.
@Suite struct StaticBinaryTests {
    static var releaseBinary: URL? {
        ProcessInfo.processInfo.environment["IDHEALTH_RELEASE_BINARY"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
    }

    /// The folders a Swift toolchain would load the runtime from, and the one its `swift` is in.
    static func toolchainFolders() throws -> [String] {
        let info = try CLI.run(["swift", "-print-target-info"], in: FileManager.default.temporaryDirectory, executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(info.status == 0, "swift -print-target-info: \(info.stderr)")
        struct TargetInfo: Decodable { struct Paths: Decodable { let runtimeLibraryPaths: [String] }; let paths: Paths }
        var folders = try JSONDecoder().decode(TargetInfo.self, from: Data(info.stdout.utf8)).paths.runtimeLibraryPaths
        let which = try CLI.run(["-c", "command -v swift"], in: FileManager.default.temporaryDirectory, executable: URL(fileURLWithPath: "/bin/sh"))
        let swiftFolder = URL(fileURLWithPath: which.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).resolvingSymlinksInPath().deletingLastPathComponent().path
        // A toolchain installed into /usr/bin shares it with the shell; its runtime folder is hidden still.
        if !["/usr/bin", "/bin"].contains(swiftFolder) { folders.append(swiftFolder) }
        return folders.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs `binary ARGS` in `directory` with the toolchain hidden and nothing in the environment but a PATH.
    static func runWithoutToolchain(_ binary: URL, _ arguments: [String], in directory: URL) throws -> CLI.Output {
        let hide = try toolchainFolders().map { "mount -t tmpfs tmpfs '\($0)'" }.joined(separator: " && ")
        let script = "\(hide) && cd '\(directory.path)' && exec env -i PATH=/usr/bin:/bin \"$@\""
        return try CLI.run(["--map-root-user", "--mount", "sh", "-c", script, "sh", binary.path] + arguments,
                           in: directory, executable: URL(fileURLWithPath: "/usr/bin/unshare"))
    }

    @Test func releaseBinaryLinksNoSwiftRuntime() throws {
        let binary = try #require(Self.releaseBinary, "IDHEALTH_RELEASE_BINARY is not set: run the tests with scripts/test.sh, which builds the release binary")
        let ldd = try CLI.run([binary.path], in: FileManager.default.temporaryDirectory, executable: URL(fileURLWithPath: "/usr/bin/ldd"))
        #expect(ldd.status == 0, "ldd: \(ldd.stderr)")
        let folders = try Self.toolchainFolders()
        for line in ldd.stdout.split(separator: "\n") {
            #expect(!line.contains("libswift") && !line.contains("libFoundation") && !line.contains("libdispatch"), "the release binary loads \(line)")
            #expect(!folders.contains { line.contains($0) }, "the release binary loads from the toolchain: \(line)")
            #expect(!line.contains("not found"), "the release binary misses \(line)")
            // Optional libraries are loaded with dlopen when used: the binary starts without them.
            #expect(!line.contains("libodbc") && !line.contains("libcurl"), "the release binary needs \(line) to start")
        }
        #expect(ldd.stdout.contains("libpq.so") && ldd.stdout.contains("libsqlite3.so"))
    }

    @Test func releaseBinaryRunsWithoutToolchain() throws {
        let binary = try #require(Self.releaseBinary, "IDHEALTH_RELEASE_BINARY is not set: run the tests with scripts/test.sh, which builds the release binary")
        try CLI.withDirectory { directory in
            // The control: a binary that needs the toolchain's runtime cannot start here.
            let dynamic = try Self.runWithoutToolchain(CLI.binary, ["--version"], in: directory)
            #expect(dynamic.status == 127, "the debug build started with the toolchain hidden, so nothing was hidden: \(dynamic.stdout) \(dynamic.stderr)")
            #expect(dynamic.stderr.contains("libswift"))

            let version = try Self.runWithoutToolchain(binary, ["--version"], in: directory)
            #expect(version.status == 0, "\(version.stderr)")
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")

            // The whole demo: SQLite, the embedded checks and templates, every report format.
            let demo = try Self.runWithoutToolchain(binary, ["demo", "--dir", "demo", "--profiles", "300"], in: directory)
            #expect(demo.status == 0, "\(demo.stderr)")
            for file in ["identity-health.md", "identity-health.json", "identity-health.junit.xml", "identity-health.html"] {
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("demo/reports/\(file)").path), "demo wrote no \(file)")
            }

            // libpq from the system: generate into the test server and check it.
            let url = try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set")
            let generate = try Self.runWithoutToolchain(binary, ["generate", "--database", url, "--source-schema", "static_binary", "--profiles", "200", "--replace"], in: directory)
            #expect(generate.status == 0, "\(generate.stderr)")
            let run = try Self.runWithoutToolchain(binary, ["run", "--database", url, "--source-schema", "static_binary", "--target-schema", "static_binary",
                                                            "--output", "pg-reports", "--no-history"], in: directory)
            #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
            #expect(run.stdout.contains("merge_chains"))
        }
    }
}
