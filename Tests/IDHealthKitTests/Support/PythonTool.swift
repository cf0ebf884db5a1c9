import Foundation
import Testing

/// Runs one of the Python scripts of scripts/lib (sqlglot, fakesnow) with the `python3` of
/// the test command's virtual environment (scripts/test.sh puts .venv/bin first on PATH).
enum PythonTool {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/lib")

    /// Runs `script` with `arguments`; returns its stdout. A non-zero exit fails the test with
    /// the script's stderr.
    static func run(_ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scripts.appendingPathComponent(script).path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(script) failed (scripts/test.sh installs its packages into .venv): \(errorText)", sourceLocation: sourceLocation)
        return data
    }
}
