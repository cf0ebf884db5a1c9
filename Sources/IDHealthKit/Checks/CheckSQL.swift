import Foundation

/// A check file: a comment header (`-- id:`, `-- title:`) and named queries (`-- name: X`).
///
/// Queries are templates: `{{source.TABLE}}` and `{{target.TABLE}}` become quoted, qualified
/// table names through the dialect; `{{param.NAME}}` becomes a bound parameter. Nothing from
/// a config file is ever pasted into SQL text.
public struct CheckSQL: Sendable {
    public let header: [String: String]
    /// Named queries in file order.
    public let queries: [(name: String, template: String)]

    public init(parsing text: String, file: String) throws {
        var header: [String: String] = [:]
        var queries: [(String, String)] = []
        var currentName: String?
        var currentLines: [String] = []
        func finish() {
            if let name = currentName {
                let body = currentLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                queries.append((name, body.hasSuffix(";") ? String(body.dropLast()) : body))
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let name = Self.directive(trimmed, key: "name") {
                finish()
                guard !name.isEmpty else { throw ConfigError("\(file): `-- name:` needs a query name") }
                currentName = name
                currentLines = []
            } else if currentName != nil {
                currentLines.append(line)
            } else if trimmed.hasPrefix("--") {
                let content = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if let colon = content.firstIndex(of: ":") {
                    let key = content[..<colon].trimmingCharacters(in: .whitespaces)
                    if key.range(of: #"^[a-z_]+$"#, options: .regularExpression) != nil {
                        header[key] = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                }
            } else if !trimmed.isEmpty {
                throw ConfigError("\(file): SQL before the first `-- name:` line")
            }
        }
        finish()
        self.header = header
        self.queries = queries
    }

    static func directive(_ line: String, key: String) -> String? {
        guard line.hasPrefix("--") else { return nil }
        let content = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
        guard content.hasPrefix(key + ":") else { return nil }
        return content.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
    }

    public func template(_ name: String) -> String? {
        queries.first(where: { $0.name == name })?.template
    }
}

/// A query ready to run: SQL text with placeholders and the values bound to them.
public struct RenderedQuery: Sendable, Hashable {
    public let sql: String
    public let bindings: [SQLValue]
    /// Parameter names in placeholder order, so a report can show what each placeholder held.
    public let parameterNames: [String]
    /// The tables the query reads, as `source.TABLE` / `target.TABLE`.
    public let tables: [String]
}

/// Fills a check template's placeholders for one database and one pair of schemas.
public struct QueryRenderer: Sendable {
    public let dialect: Dialect
    public let schemas: Schemas

    public init(dialect: Dialect, schemas: Schemas) {
        self.dialect = dialect
        self.schemas = schemas
    }

    public func render(_ template: String, parameters: [String: SQLValue], file: String) throws -> RenderedQuery {
        let pattern = try NSRegularExpression(pattern: #"\{\{\s*(source|target|param)\.([A-Za-z0-9_]+)\s*\}\}"#)
        let source = template as NSString
        var output = ""
        var cursor = 0
        var names: [String] = []
        var bindings: [SQLValue] = []
        var tables: [String] = []
        for match in pattern.matches(in: template, range: NSRange(location: 0, length: source.length)) {
            output += source.substring(with: NSRange(location: cursor, length: match.range.location - cursor))
            cursor = match.range.location + match.range.length
            let kind = source.substring(with: match.range(at: 1))
            let name = source.substring(with: match.range(at: 2))
            switch kind {
            case "source":
                output += dialect.qualified(schemas.source, name)
                if !tables.contains("source." + name) { tables.append("source." + name) }
            case "target":
                output += dialect.qualified(schemas.target, name)
                if !tables.contains("target." + name) { tables.append("target." + name) }
            default:
                guard let value = parameters[name] else {
                    throw ConfigError("\(file): unknown parameter {{param.\(name)}}; known: \(parameters.keys.sorted().joined(separator: ", "))")
                }
                if let index = names.firstIndex(of: name) {
                    output += dialect.placeholder(index + 1)
                } else {
                    names.append(name)
                    bindings.append(value)
                    output += dialect.placeholder(names.count)
                }
            }
        }
        output += source.substring(from: cursor)
        if output.contains("{{") {
            throw ConfigError("\(file): unrecognised placeholder; use {{source.TABLE}}, {{target.TABLE}} or {{param.NAME}}")
        }
        return RenderedQuery(sql: output, bindings: bindings, parameterNames: names, tables: tables)
    }
}
