import Foundation
import Testing
import IDHealthSQL

/// Runs the built `idhealth` binary as a user would, capturing stdout, stderr and the status.
struct CLI {
    /// The engines the command-line tests run on. Redshift's dialect is proven in process by
    /// the IDHealthKitTests suites (on the PostgreSQL server); the kill and lock tests here
    /// rely on a session lock that dies with its process, which Redshift does not have.
    static let engines: [Dialect.Engine] = [.sqlite, .postgres]
    /// The engines, each natively (false) and through ODBC (true: the PostgreSQL server
    /// through psqlODBC, a SQLite file through libsqliteodbc): the connections the kill and
    /// lock tests hold to the same promises.
    static let connections: [(Dialect.Engine, Transport)] = engines.map { ($0, .native) } + engines.map { ($0, .odbc) } + [(.postgres, .adbc)]

    /// How the command line (and the test's side) reaches a database: the engine's own
    /// library, an ODBC driver, or an ADBC driver (the PostgreSQL one, from PyPI).
    enum Transport: String, Sendable, CustomStringConvertible {
        case native, odbc, adbc
        var description: String { self == .native ? "" : " through \(rawValue.uppercased())" }
    }

    /// The test server as a psqlODBC connection string (Debian's odbc-postgresql registers
    /// the `PostgreSQL Unicode` driver).
    static func odbcConnectionString(postgresURL url: String) throws -> String {
        let components = try #require(URLComponents(string: url), "IDHEALTH_TEST_POSTGRES is not a URL")
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return "Driver={PostgreSQL Unicode};Server=\(components.host ?? "127.0.0.1");Port=\(components.port ?? 5432);Database=\(database.isEmpty ? "postgres" : database);UID=\(components.user ?? "postgres");PWD=\(components.password ?? "")"
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        /// Whether the process ended by a signal (then `status` is its number).
        var signaled = false
    }

    static let binary: URL = {
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for directory in candidates {
            let url = directory.appendingPathComponent("idhealth")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("idhealth")
    }()

    /// Runs `idhealth ARGS` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:], executable: URL = binary) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GITHUB_ACTIONS")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Output goes to files, so a chatty process never blocks on a full pipe.
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }

    /// Runs a shell command line as a README shows it, with the built `idhealth` first on PATH.
    static func shell(_ command: String, in directory: URL, environment: [String: String] = [:]) throws -> Output {
        var env = environment
        env["PATH"] = binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try run(["-c", command], in: directory, environment: env, executable: URL(fileURLWithPath: "/bin/sh"))
    }

    /// A running `idhealth` process, for tests that need two at once or a signal.
    final class Running {
        let process: Process
        let outURL: URL
        let errURL: URL

        init(process: Process, outURL: URL, errURL: URL) {
            self.process = process
            self.outURL = outURL
            self.errURL = errURL
        }

        /// Waits for the process to end (at most `seconds`, then kills it) and reads its output.
        func wait(seconds: Double = 300) throws -> Output {
            // A watchdog kills a process that overstays, so a hang fails the test in bounded time.
            let pid = process.processIdentifier
            let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
            process.waitUntilExit()
            watchdog.cancel()
            defer {
                try? FileManager.default.removeItem(at: outURL)
                try? FileManager.default.removeItem(at: errURL)
            }
            return Output(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                          stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal)
        }

        /// What the process has written to stderr so far.
        var stderrText: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

        /// Waits until the process says `text` on stderr; a test failure if it ends or the
        /// time runs out first.
        func waitForStderr(containing text: String, seconds: Double = 60) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !stderrText.contains(text) {
                guard Date() < deadline, process.isRunning else {
                    Issue.record("never saw `\(text)` on stderr: \(stderrText)")
                    throw CancellationError()
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        func finish() throws -> Output { try wait() }
    }

    /// Starts `idhealth ARGS` in `directory` without waiting for it.
    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GITHUB_ACTIONS")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, outURL: outURL, errURL: errURL)
    }

    /// Starts `python3 ARGS`, a local server of a test's that prints the port it listens on as
    /// its first line, and returns the process and that port.
    static func startLocalServer(_ arguments: [String]) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        // Nothing of the test's own output is handed down: it would keep the runner waiting.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        return (process, Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
    }

    /// A temporary working folder, removed afterwards.
    static func withDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["IDHEALTH_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
