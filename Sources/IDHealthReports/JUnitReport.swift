import Foundation
import IDHealthSQL
import IDHealthChecks

/// `identity-health.junit.xml`: one test case per check, for CI systems that read JUnit.
///
/// `fail` is a `<failure>` (and `warn` too with `--fail-on warn`), a check that could not
/// run is an `<error>`, `skipped` is `<skipped>`. Each test case carries its value and
/// thresholds as properties, and its failure message says what and how many.
public enum JUnitReport {
    public static func render(_ run: CheckRun, context: ReportContext, failOn: CheckStatus = .fail) -> String {
        func failed(_ status: CheckStatus) -> Bool { status == .fail || (failOn == .warn && status == .warn) }
        let failures = run.results.filter { failed($0.status) }.count
        let errors = run.results.filter { $0.status == .error }.count
        let skipped = run.results.filter { $0.status == .skipped }.count
        let total = seconds(run.results.reduce(0) { $0 + $1.durationMilliseconds })
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<testsuites name="idhealth" tests="\#(run.results.count)" failures="\#(failures)" errors="\#(errors)" skipped="\#(skipped)" time="\#(total)">"#,
            #"  <testsuite name="identity-health" tests="\#(run.results.count)" failures="\#(failures)" errors="\#(errors)" skipped="\#(skipped)" time="\#(total)" timestamp="\#(ReportContext.iso8601(run.startedAt))" hostname="\#(escape(context.target))">"#,
            "    <properties>",
            #"      <property name="idhealth.version" value="\#(escape(context.toolVersion))"/>"#,
            #"      <property name="database.kind" value="\#(context.engine.rawValue)"/>"#,
            #"      <property name="run.id" value="\#(escape(context.runID))"/>"#,
        ]
        if run.valuesShown {
            lines.append(#"      <property name="values_shown" value="true"/>"#)
            lines.append(#"      <property name="values_shown.notice" value="\#(escape(ReportText.valuesShownNotice))"/>"#)
        }
        lines.append("    </properties>")
        for result in run.results {
            lines.append(#"    <testcase classname="idhealth.\#(escape(result.id))" name="\#(escape(result.title)) (\#(escape(result.id)))" time="\#(seconds(result.durationMilliseconds))">"#)
            lines.append("      <properties>")
            lines.append(#"        <property name="status" value="\#(result.status.rawValue)"/>"#)
            lines.append(#"        <property name="value" value="\#(result.value.map(String.init) ?? "")"/>"#)
            if let measured = result.measuredValue {
                lines.append(#"        <property name="measured" value="\#(escape(measured))"/>"#)
            }
            for (name, threshold) in result.thresholds.sorted(by: { $0.key < $1.key }) {
                lines.append(#"        <property name="threshold.\#(escape(name))" value="\#(escape(threshold))"/>"#)
            }
            if let previous = run.previous[result.id] {
                lines.append(#"        <property name="previous.value" value="\#(previous.value.map(String.init) ?? "")"/>"#)
            }
            lines.append("      </properties>")
            let message = escape(result.message ?? "\(result.id): \(result.status.rawValue), value \(result.valueText ?? "none")")
            switch result.status {
            case .error:
                lines.append(#"      <error message="\#(message)" type="error">\#(message)</error>"#)
            case .skipped:
                lines.append(#"      <skipped message="\#(message)"/>"#)
            case let status where failed(status):
                let body = escape(sampleText(result))
                lines.append(#"      <failure message="\#(message)" type="\#(status.rawValue)">\#(body)</failure>"#)
            default:
                break
            }
            lines.append("    </testcase>")
        }
        lines += ["  </testsuite>", "</testsuites>"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func sampleText(_ result: CheckResult) -> String {
        var text = "\(result.message ?? "") (value \(result.valueText ?? "none"); thresholds: \(result.thresholds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
        if !result.samples.isEmpty {
            text += "\nSample, worst first (\(result.sampleColumns.joined(separator: ", "))):"
            for row in result.samples.prefix(10) {
                text += "\n  " + row.map { $0.stringValue ?? "NULL" }.joined(separator: " | ")
            }
        }
        return text
    }

    static func seconds(_ milliseconds: Int) -> String {
        String(format: "%.3f", Double(milliseconds) / 1000)
    }

    /// Escapes text for an XML attribute or element, dropping characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
