import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// Where the command talks to people: results on stdout, diagnostics and progress on stderr.
enum Console {
    /// Progress only when stderr is a terminal, so logs and pipes stay clean.
    static let showsProgress = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) {
        notice(message)
    }

    /// Writes to stderr and carries on whatever happens: a nightly job whose log disk is full
    /// (`2>/dev/full`) or whose log reader went away must still end with its exit status.
    /// (FileHandle's `write(_:)` traps on a failed write: the process died of SIGILL.)
    static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Something a log should show even when it is not a terminal. A message can quote data
    /// (a value in a failed statement), so its control characters are shown, not sent.
    static func notice(_ message: String) {
        writeStandardError("idhealth: " + ReportText.visible(message, keepingLineBreaks: true) + "\n")
    }

    static func progress(_ message: String) {
        guard showsProgress else { return }
        writeStandardError("… " + message + "\n")
    }

    /// Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org).
    static var usesColor: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    static func colored(_ text: String, _ status: CheckStatus) -> String {
        let code: String
        switch status {
        case .pass: code = "32"
        case .warn: code = "33"
        case .fail, .error: code = "31"
        case .skipped: code = "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    static func out(_ message: String = "") {
        print(message)
    }

    /// Runs a command body and maps its errors to exit statuses by their kind (docs/command-line.md):
    /// 2 for what the user can fix (arguments, config, input tables), 3 when the tool could not
    /// do its job (a database error, a lock held by another run, anything unexpected).
    static func guarded(_ body: () throws -> Int32) throws {
        let status: Int32
        do {
            status = try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ClassifiedError {
            Console.error(error.description)
            throw ExitCode(exitStatus(for: error.kind))
        } catch {
            Console.error(String(describing: error))
            throw ExitCode(3)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The exit status of each kind of failure.
    static func exitStatus(for kind: FailureKind) -> Int32 {
        switch kind {
        case .invalidRequest, .unusableInput: return 2
        case .database, .busy, .system: return 3
        case .interrupted(let signal): return 128 + signal
        }
    }
}

extension String {
    /// Right-aligns the text in a column of `width` characters.
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
