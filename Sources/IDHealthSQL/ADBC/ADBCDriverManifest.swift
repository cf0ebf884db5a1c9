import Foundation

/// A driver manifest: the TOML file that says where a driver's shared library is and which
/// entry point to call (https://arrow.apache.org/adbc/current/format/driver_manifests.html).
///
/// Read with a reader of the part of TOML manifests use — `[Table]` and `[Table.sub]`
/// headers, `key = 'literal'`, `key = "basic"`, numbers, and arrays that are skipped — rather
/// than a TOML library: the one this machine offers (TOMLKit) compiles the C++ toml++ into the
/// binary for a file of five lines. Anything else in a manifest is an error naming the line.
struct ADBCDriverManifest: Equatable {
    /// The shared library for this platform.
    let library: String
    /// `Driver.entrypoint`, when the manifest names one.
    let entrypoint: String?

    /// The manifest's name for this platform (`linux_amd64`, `macos_arm64`, …).
    static var platform: String {
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "macos"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        return os + "_amd64"
        #elseif arch(arm64)
        return os + "_arm64"
        #else
        return os + "_unknown"
        #endif
    }

    init(library: String, entrypoint: String?) {
        self.library = library
        self.entrypoint = entrypoint
    }

    /// Parses a manifest's text; `path` names it in errors.
    init(text: String, path: String) throws {
        var table = ""
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.strippingComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw ConfigError("ADBC driver manifest \(path), line \(number + 1): `\(line)` is not a table header idhealth reads")
                }
                table = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError("ADBC driver manifest \(path), line \(number + 1): expected `key = value`")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard let parsed = try Self.value(value, path: path, line: number + 1) else { continue }
            values[table.isEmpty ? key : table + "." + key] = parsed
        }
        if let version = values["manifest_version"], version != "1" {
            throw ConfigError("ADBC driver manifest \(path) has manifest_version \(version); idhealth reads version 1")
        }
        guard let library = values["Driver.shared." + Self.platform] ?? values["Driver.shared"] else {
            throw ConfigError("ADBC driver manifest \(path) names no shared library for \(Self.platform) (`[Driver.shared]` with `\(Self.platform) = '/path/to/driver.so'`)")
        }
        self.library = library
        entrypoint = values["Driver.entrypoint"]
    }

    /// A value as text: strings unquoted, numbers and booleans as written; nil for an array
    /// (`ADBC.features`), which idhealth does not need.
    private static func value(_ text: String, path: String, line: Int) throws -> String? {
        if text.hasPrefix("[") { return nil }
        if text.hasPrefix("'"), text.count >= 2, text.hasSuffix("'") { return String(text.dropFirst().dropLast()) }
        if text.hasPrefix("\""), text.count >= 2, text.hasSuffix("\"") {
            var result = "", escaped = false
            for character in text.dropFirst().dropLast() {
                if escaped {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "\\", "\"": result.append(character)
                    default: throw ConfigError("ADBC driver manifest \(path), line \(line): the escape \\\(character) is not one idhealth reads")
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    result.append(character)
                }
            }
            return result
        }
        if text.range(of: #"^[A-Za-z0-9_.+-]+$"#, options: .regularExpression) != nil { return text }
        throw ConfigError("ADBC driver manifest \(path), line \(line): `\(text)` is not a value idhealth reads (a quoted string or a number)")
    }

    /// The line without a `#` comment outside quotes.
    private static func strippingComment(_ line: String) -> String {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#" {
                return String(line[..<index])
            }
        }
        return line
    }
}
