import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// GitHub Actions: the Markdown report appended to the job summary, and up to ten
/// annotations naming the worst findings (counts only, so no personal data).
enum CIIntegration {
    /// GitHub's limit for one step's summary is 1 MiB; stay under it.
    static let summaryLimit = 1_000_000

    static func publish(_ run: CheckRun, context: ReportContext, failOn: CheckStatus) {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            var text = MarkdownReport.render(run, context: context, failOn: failOn)
            if text.utf8.count > summaryLimit {
                text = String(decoding: Array(text.utf8.prefix(summaryLimit - 200)), as: UTF8.self)
                    + "\n\n… (cut to fit the step summary; the full report is identity-health.md)\n"
            }
            do {
                // The throwing calls: the trapping ones would crash on a full disk.
                guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
            } catch {
                Console.error("warning: cannot append to GITHUB_STEP_SUMMARY (\(path)): \(error.localizedDescription)")
            }
        }
        if environment["GITHUB_ACTIONS"] == "true" {
            let worst = run.results.filter { $0.status == .fail || $0.status == .error || $0.status == .warn }
                .sorted { $0.status > $1.status }
                .prefix(10)
            for result in worst {
                let level = result.status == .warn && failOn != .warn ? "warning" : "error"
                let message = ReportText.visible(result.message ?? "\(result.status.rawValue), value \(result.valueText ?? "none")", keepingLineBreaks: true)
                    .replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A")
                Console.out("::\(level) title=idhealth \(result.id)::\(message)")
            }
        }
    }
}
