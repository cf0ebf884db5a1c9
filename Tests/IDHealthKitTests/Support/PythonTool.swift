import Foundation
import Testing

/// Runs one of the Python scripts of scripts/lib (sqlglot, fakesnow, DuckDB, pyspark) with the `python3` of
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
        // stderr goes to a file: a chatty script (Spark logs as it starts) could fill a pipe
        // that nobody reads while stdout is being read.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-python-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "\(script) failed (scripts/test.sh installs its packages into .venv): \(errorText)", sourceLocation: sourceLocation)
        return data
    }
}
