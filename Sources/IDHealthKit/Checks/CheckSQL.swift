import Foundation

/// A check file: a comment header (`-- id:`, `-- title:`) and named queries (`-- name: X`).
///
/// Queries are templates: `{{source.TABLE}}` and `{{target.TABLE}}` become quoted, qualified
/// table names through the dialect; `{{param.NAME}}` becomes a bound parameter. Nothing from
/// a config file is ever pasted into SQL text.
public struct CheckSQL: Sendable {
    /// How messages name the file (`checks/merge_chains.sql`, or a custom check's path).
    public let name: String
    public let header: [String: String]
    /// Named queries in file order.
    public let queries: [(name: String, template: String)]

    /// Parses a check file. SQL before any `-- name:` line is the `offenders` query, so a
    /// custom check can be a header and one query.
    public init(parsing text: String, file: String, name: String? = nil) throws {
        self.name = name ?? file
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
                currentName = "offenders"
                currentLines = [line]
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

/// A value a check template binds: one value, a list (`IN (…)`), or a small table of rows
/// (`WITH limits AS ({{param.limits}})`), always as bound parameters.
public enum TemplateParameter: Sendable, Hashable {
    case value(SQLValue)
    case list([SQLValue])
    /// Columns are (name, type) with the type one of `text`, `integer`, `real`.
    case rows(columns: [Column], rows: [[SQLValue]])

    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: String
        public init(_ name: String, _ type: String) {
            self.name = name
            self.type = type
        }
    }
}

/// A check template needs something this database cannot do (e.g. SHA-1 without pgcrypto):
/// the check is `skipped` with the reason.
public struct CheckUnavailable: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// What the database can do beyond the dialect, found out at run time.
public struct DatabaseCapabilities: Sendable, Hashable {
    /// How to wrap a text expression so it becomes its lower-case hex SHA-1 (before, after),
    /// or nil when the database cannot.
    public var sha1Wrapper: SHA1Wrapper?

    public struct SHA1Wrapper: Sendable, Hashable {
        public let before: String
        public let after: String
        public init(before: String, after: String) {
            self.before = before
            self.after = after
        }
    }
    /// The trait columns of `profile_traits_updates` (source) and `profile_traits` (target).
    public var rawTraitColumns: [String] = []
    public var materializedTraitColumns: [String] = []
    /// Whether the target schema has idhealth's record of deleted segment_ids.
    public var hasDeletedSegments = false

    public init(sha1Wrapper: SHA1Wrapper? = nil, rawTraitColumns: [String] = [], materializedTraitColumns: [String] = []) {
        self.sha1Wrapper = sha1Wrapper
        self.rawTraitColumns = rawTraitColumns
        self.materializedTraitColumns = materializedTraitColumns
    }
}

/// Fills a check template's placeholders for one database and one pair of schemas.
///
/// `{{fn.NAME(ARGS)}}` calls are expanded first, through the dialect (regular expressions,
/// SHA-1, time arithmetic, trait column lists); then tables and parameters.
public struct QueryRenderer: Sendable {
    public let dialect: Dialect
    public let schemas: Schemas
    public var capabilities: DatabaseCapabilities

    public init(dialect: Dialect, schemas: Schemas, capabilities: DatabaseCapabilities = DatabaseCapabilities()) {
        self.dialect = dialect
        self.schemas = schemas
        self.capabilities = capabilities
    }

    public func render(_ template: String, parameters: [String: SQLValue], file: String) throws -> RenderedQuery {
        try render(template, arguments: parameters.mapValues(TemplateParameter.value), file: file)
    }

    public func render(_ template: String, arguments: [String: TemplateParameter], file: String) throws -> RenderedQuery {
        let expanded = try expandFunctions(template, file: file)
        let pattern = try NSRegularExpression(pattern: #"\{\{\s*(source|target|param)\.([A-Za-z0-9_]+)\s*\}\}"#)
        let source = expanded as NSString
        var output = ""
        var cursor = 0
        var names: [String] = []
        var bindings: [SQLValue] = []
        var tables: [String] = []
        func bind(_ value: SQLValue, name: String) -> String {
            names.append(name)
            bindings.append(value)
            return dialect.placeholder(names.count)
        }
        var bound: [String: String] = [:]
        for match in pattern.matches(in: expanded, range: NSRange(location: 0, length: source.length)) {
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
                if let text = bound[name] {
                    output += text
                    continue
                }
                guard let argument = arguments[name] else {
                    throw ConfigError("\(file): unknown parameter {{param.\(name)}}; known: \(arguments.keys.sorted().joined(separator: ", "))")
                }
                let text: String
                switch argument {
                case .value(let value):
                    text = bind(value, name: name)
                case .list(let values):
                    // An empty IN () is a syntax error; a NULL matches nothing.
                    text = values.isEmpty ? "NULL" : values.map { bind($0, name: name) }.joined(separator: ", ")
                case .rows(let columns, let rows):
                    func cast(_ placeholder: String, _ type: String) -> String {
                        let sqlType = type == "integer" ? dialect.integerType : type == "real" ? dialect.realType : dialect.textType
                        return "CAST(\(placeholder) AS \(sqlType))"
                    }
                    if rows.isEmpty {
                        text = "SELECT " + columns.map { "\(cast("NULL", $0.type)) AS \(dialect.quote($0.name))" }.joined(separator: ", ") + " WHERE 1 = 0"
                    } else {
                        text = rows.map { row in
                            "SELECT " + zip(columns, row).map { column, value in
                                "\(cast(bind(value, name: name), column.type)) AS \(dialect.quote(column.name))"
                            }.joined(separator: ", ")
                        }.joined(separator: " UNION ALL ")
                    }
                }
                bound[name] = text
                output += text
            }
        }
        output += source.substring(from: cursor)
        if output.contains("{{") {
            throw ConfigError("\(file): unrecognised placeholder; use {{source.TABLE}}, {{target.TABLE}}, {{param.NAME}} or {{fn.NAME(…)}}")
        }
        return RenderedQuery(sql: output, bindings: bindings, parameterNames: names, tables: tables)
    }

    // MARK: - Functions

    /// Expands `{{fn.NAME(ARGS)}}` calls; arguments are SQL text, split at top-level commas.
    func expandFunctions(_ template: String, file: String) throws -> String {
        var text = template
        while let start = text.range(of: "{{fn.") {
            guard let open = text[start.upperBound...].firstIndex(of: "(") else {
                throw ConfigError("\(file): malformed {{fn.…}} call")
            }
            let name = String(text[start.upperBound..<open])
            var depth = 0
            var quoted = false
            var arguments: [String] = []
            var current = ""
            var index = text.index(after: open)
            var close: String.Index?
            while index < text.endIndex {
                let character = text[index]
                if character == "'" { quoted.toggle() }
                if !quoted {
                    if character == "(" { depth += 1 }
                    if character == ")" {
                        if depth == 0 { close = index; break }
                        depth -= 1
                    }
                    if character == "," && depth == 0 {
                        arguments.append(current.trimmingCharacters(in: .whitespaces))
                        current = ""
                        index = text.index(after: index)
                        continue
                    }
                }
                current.append(character)
                index = text.index(after: index)
            }
            guard let close, text[close...].hasPrefix(")}}") else {
                throw ConfigError("\(file): malformed {{fn.\(name)(…)}} call: it must end with `)}}`")
            }
            let trimmed = current.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty || !arguments.isEmpty { arguments.append(trimmed) }
            let replacement = try function(name, arguments, file: file)
            text.replaceSubrange(start.lowerBound..<text.index(close, offsetBy: 3), with: replacement)
        }
        return text
    }

    func function(_ name: String, _ arguments: [String], file: String) throws -> String {
        func expect(_ count: Int) throws {
            guard arguments.count == count else {
                throw ConfigError("\(file): {{fn.\(name)}} takes \(count) argument(s), got \(arguments.count)")
            }
        }
        switch name {
        case "regexp":
            try expect(2)
            return dialect.regexpMatch(arguments[0], pattern: arguments[1])
        case "sha1_hex":
            try expect(1)
            guard let wrapper = capabilities.sha1Wrapper else {
                throw CheckUnavailable(reason: dialect.sha1UnavailableReason)
            }
            return wrapper.before + arguments[0] + wrapper.after
        case "hours_before_now":
            try expect(1)
            return dialect.hoursBetween(arguments[0], and: dialect.castToTimestamp("{{param.now}}"))
        case "day":
            try expect(1)
            return dialect.dayText(arguments[0])
        case "days_before":
            try expect(2)
            return dialect.daysBefore(arguments[0], days: arguments[1])
        case "timestamp_text":
            try expect(1)
            return dialect.timestampText(arguments[0])
        case "any_raw_trait_not_null", "any_trait_not_null", "all_traits_null":
            try expect(1)
            let columns = name == "any_raw_trait_not_null" ? capabilities.rawTraitColumns : capabilities.materializedTraitColumns
            let alias = arguments[0]
            if columns.isEmpty { return name == "all_traits_null" ? "(1 = 1)" : "(1 = 0)" }
            if name == "all_traits_null" {
                return "(" + columns.map { "\(alias).\(dialect.quote($0)) IS NULL" }.joined(separator: " AND ") + ")"
            }
            return "(" + columns.map { "\(alias).\(dialect.quote($0)) IS NOT NULL" }.joined(separator: " OR ") + ")"
        case "deleted_segments":
            // The segment_ids materializations saw deleted upstream, or none.
            try expect(0)
            return capabilities.hasDeletedSegments
                ? "(SELECT x.segment_id FROM \(dialect.qualified(schemas.target, TableName.deletedSegments)) x)"
                : "(SELECT CAST(NULL AS \(dialect.textType)) WHERE 1 = 0)"
        case "trait_columns_as_text":
            try expect(1)
            let alias = arguments[0]
            return capabilities.materializedTraitColumns.map { ", CAST(\(alias).\(dialect.quote($0)) AS \(dialect.textType))" }.joined()
        default:
            throw ConfigError("\(file): unknown function {{fn.\(name)(…)}}")
        }
    }
}
