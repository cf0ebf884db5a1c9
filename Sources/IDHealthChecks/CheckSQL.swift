import Foundation
import IDHealthSQL
import IDHealthMaterialize

/// A check file: a comment header (`-- id:`, `-- title:`) and named queries (`-- name: X`).
///
/// Queries are templates: `{{source.TABLE}}` and `{{target.TABLE}}` become quoted, qualified
/// table names through the dialect; `{{param.NAME}}` becomes a bound parameter. Nothing from
/// a config file is ever pasted into SQL text.
package struct CheckSQL: Sendable {
    /// How messages name the file (`checks/merge_chains.sql`, or a custom check's path).
    package let name: String
    package let header: [String: String]
    /// The `-- param NAME (KIND) = DEFAULT | HELP` lines of the header, in file order.
    package let parameterLines: [String]
    /// Named queries in file order.
    package let queries: [(name: String, template: String)]

    /// Parses a check file. SQL before any `-- name:` line is the `offenders` query, so a
    /// custom check can be a header and one query.
    package init(parsing text: String, file: String, name: String? = nil) throws {
        self.name = name ?? file
        var header: [String: String] = [:]
        var parameterLines: [String] = []
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
                if content.hasPrefix("param ") {
                    parameterLines.append(String(content.dropFirst("param ".count)))
                } else if let colon = content.firstIndex(of: ":") {
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
        self.parameterLines = parameterLines
        self.queries = queries
    }

    /// Whether a query of the file reads every current pointer.
    package var callsCurrentPointers: Bool {
        queries.contains { $0.template.contains("{{fn.current_pointers()}}") }
    }

    /// The check this file declares: its id, title, summary and parameters. A parameter line
    /// that does not parse is a ``ConfigError`` naming the file and the line.
    package func definition(fallbackID: String) throws -> CheckDefinition {
        let id = header["id"] ?? fallbackID
        var parameters: [CheckParameter] = []
        let form = try NSRegularExpression(pattern: #"^([a-z][a-z0-9_]*) \((\w+)\) = (.*?) \| (.*)$"#)
        for line in parameterLines {
            let range = NSRange(line.startIndex..., in: line)
            guard let match = form.firstMatch(in: line, range: range), match.numberOfRanges == 5 else {
                throw ConfigError("\(name): `-- param \(line)` must read `-- param NAME (KIND) = DEFAULT | HELP`")
            }
            let part = { (index: Int) in String(line[Range(match.range(at: index), in: line)!]) }
            guard let kind = CheckParameter.Kind(rawValue: part(2)) else {
                throw ConfigError("\(name): parameter \(part(1)) has kind `\(part(2))`; kinds: \(CheckParameter.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let value = CheckParameter.value(part(3), kind: kind) else {
                throw ConfigError("\(name): the default `\(part(3))` of parameter \(part(1)) is not a \(kind.rawValue)")
            }
            parameters.append(CheckParameter(name: part(1), kind: kind, defaultValue: value, help: part(4)))
        }
        return CheckDefinition(id: id, title: header["title"] ?? id, summary: header["summary"] ?? header["description"] ?? "custom check",
                               judgment: header["judgment"], parameters: parameters)
    }

    static func directive(_ line: String, key: String) -> String? {
        guard line.hasPrefix("--") else { return nil }
        let content = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
        guard content.hasPrefix(key + ":") else { return nil }
        return content.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
    }

    package func template(_ name: String) -> String? {
        queries.first(where: { $0.name == name })?.template
    }
}

/// A check query ready to run: the SQL with its bound values, and the tables it reads.
package struct CheckQuery: Sendable, Hashable {
    package let sql: SQL
    /// The tables the query reads, as `source.TABLE` / `target.TABLE`.
    package let tables: [String]
}

/// A value a check template binds: one value, a list (`IN (…)`), or a small table of rows
/// (`WITH limits AS ({{param.limits}})`), always as bound parameters.
package enum TemplateParameter: Sendable, Hashable {
    case value(SQLValue)
    case list([SQLValue])
    case rows(columns: [Column], rows: [[SQLValue]])

    package struct Column: Sendable, Hashable {
        package let name: String
        package let type: SQLType
        package init(_ name: String, _ type: SQLType) {
            self.name = name
            self.type = type
        }
    }
}

/// A check template needs something this database cannot do (e.g. SHA-1 without pgcrypto):
/// the check is `skipped` with the reason.
package struct CheckUnavailable: Error, Sendable, CustomStringConvertible {
    package let reason: String
    package var description: String { reason }
}

/// What the database can do beyond the dialect, found out once per check run.
package struct DatabaseCapabilities: Sendable, Hashable {
    /// Whether and how SHA-1 is computed (`{{fn.sha1_hex(…)}}`).
    package var sha1: SHA1Support = .unavailable(reason: "not probed")
    /// The trait columns of `profile_traits_updates` (source) and `profile_traits` (target).
    package var rawTraitColumns: [String] = []
    package var materializedTraitColumns: [String] = []
    /// Whether the target schema has idhealth's record of deleted segment_ids.
    package var hasDeletedSegments = false

    package init() {}
}

/// Turns a check template into ``SQL`` for one pair of schemas.
///
/// The template's own text is SQL written by the check's author and goes in as it is; every
/// placeholder becomes a typed part: `{{source.TABLE}}` / `{{target.TABLE}}` a qualified
/// name, `{{param.NAME}}` bound values, `{{fn.NAME(ARGS)}}` an expression or a shared rule
/// (``LatestRows``), whose arguments are templates too. Nothing from a config file is ever
/// pasted into SQL text.
struct QueryRenderer {
    let schemas: Schemas
    /// The engine's dialect, for the few template functions whose very form differs
    /// (`{{fn.materialized()}}`); expressions stay ``SQLExpression`` values.
    let dialect: Dialect
    var capabilities = DatabaseCapabilities()
    /// Where `{{rebuilt.TABLE}}` points: the drift check's rebuild, in the temporary schema.
    var rebuilt: (schema: String, prefix: String)?
    /// Where `{{target.TABLE}}` points for the three materialized tables when the drift check
    /// compares a sample: copies of the stored rows of the sampled keys.
    var storedSample: (schema: String, prefix: String)?
    /// The run's current pointers, computed once (``SharedPointers``): `{{fn.current_pointers()}}`
    /// reads them instead of ranking the raw rows again.
    var sharedPointers: QualifiedName?
    /// "Now" as an expression of the engine's own clock, for SQL written to run later
    /// (``CheckCompiler``); nil: the run's clock, bound as the `now` parameter.
    var clock: SQL?

    /// Renders the query named `name` of a check file.
    func render(_ name: String, of file: CheckSQL, arguments: [String: TemplateParameter]) throws -> CheckQuery {
        guard let template = file.template(name) else { throw ConfigError("\(file.name) has no query named \(name)") }
        return try render(template, arguments: arguments, file: file.name)
    }

    func render(_ template: String, arguments: [String: TemplateParameter], file: String) throws -> CheckQuery {
        var tables: [String] = []
        let sql = try expand(Substring(template), arguments: arguments, file: file, tables: &tables)
        return CheckQuery(sql: sql, tables: tables)
    }

    /// Expands every placeholder of `text`, recording the tables it names.
    func expand(_ text: Substring, arguments: [String: TemplateParameter], file: String, tables: inout [String]) throws -> SQL {
        var output = SQL()
        var rest = text
        while let open = rest.range(of: "{{") {
            output += SQL(unsafeRaw: String(rest[..<open.lowerBound]))
            let inside = rest[open.upperBound...]
            if inside.hasPrefix("fn.") {
                let (replacement, end) = try function(in: inside, arguments: arguments, file: file, tables: &tables)
                output += replacement
                rest = inside[end...]
                continue
            }
            guard let close = inside.range(of: "}}") else {
                throw ConfigError("\(file): `{{` without `}}`")
            }
            let token = inside[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += try placeholder(token, arguments: arguments, file: file, tables: &tables)
            rest = inside[close.upperBound...]
        }
        output += SQL(unsafeRaw: String(rest))
        return output
    }

    func placeholder(_ token: String, arguments: [String: TemplateParameter], file: String, tables: inout [String]) throws -> SQL {
        let parts = token.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[1].range(of: #"^[A-Za-z0-9_]+$"#, options: .regularExpression) != nil else {
            throw ConfigError("\(file): unrecognised placeholder {{\(token)}}; use {{source.TABLE}}, {{target.TABLE}}, {{param.NAME}}, {{ident.COLUMN}}, {{set.union}}, {{set.except}} or {{fn.NAME(…)}}")
        }
        let (kind, name) = (parts[0], parts[1])
        switch kind {
        case "source", "target":
            if !tables.contains(kind + "." + name) { tables.append(kind + "." + name) }
            if kind == "target", let storedSample, TableName.materializedTables.contains(name) {
                return .table(QualifiedName(storedSample.schema, storedSample.prefix + name))
            }
            return .table(kind == "source" ? schemas.source(name) : schemas.target(name))
        case "ident":
            // A column whose name is a keyword somewhere (`timestamp`), quoted by the dialect:
            // double quotes are a string literal on BigQuery and Databricks.
            return "\(ident: name)"
        case "set" where name == "union":
            // A bare UNION or EXCEPT is a syntax error on BigQuery (it wants DISTINCT or ALL).
            return .unionDistinct
        case "set" where name == "except":
            return .exceptDistinct
        case "rebuilt":
            guard let rebuilt else { throw ConfigError("\(file): {{rebuilt.\(name)}} exists only in the drift check") }
            return .table(QualifiedName(rebuilt.schema, rebuilt.prefix + name))
        case "param":
            guard let argument = arguments[name] else {
                throw ConfigError("\(file): unknown parameter {{param.\(name)}}; known: \(arguments.keys.sorted().joined(separator: ", "))")
            }
            return Self.bound(argument, label: name)
        default:
            throw ConfigError("\(file): unrecognised placeholder {{\(token)}}; use {{source.TABLE}}, {{target.TABLE}}, {{param.NAME}}, {{ident.COLUMN}}, {{set.union}}, {{set.except}} or {{fn.NAME(…)}}")
        }
    }

    /// A parameter as bound values: one placeholder, a list of them, or a row set.
    static func bound(_ argument: TemplateParameter, label: String) -> SQL {
        switch argument {
        case .value(let value):
            return .bind(value, label: label)
        case .list(let values):
            // An empty IN () is a syntax error; a NULL matches nothing.
            return values.isEmpty ? "NULL" : values.map { SQL.bind($0, label: label) }.joined(separator: ", ")
        case .rows(let columns, let rows):
            if rows.isEmpty {
                let nulls = columns.map { column -> SQL in "\(sql: .cast("NULL", as: column.type)) AS \(ident: column.name)" }
                return "SELECT \(sql: nulls.joined(separator: ", ")) WHERE 1 = 0"
            }
            return rows.map { row -> SQL in
                let values = zip(columns, row).map { column, value -> SQL in
                    "\(sql: .cast(.bind(value, label: label), as: column.type)) AS \(ident: column.name)"
                }
                return "SELECT \(sql: values.joined(separator: ", "))"
            }.joined(separator: " UNION ALL ")
        }
    }

    // MARK: - Functions

    /// Parses the `{{fn.NAME(ARGS)}}` call at the start of `text` (just after `{{`); returns
    /// its expansion and where the text after it starts. Arguments are split at top-level
    /// commas (outside parentheses, quotes and nested `{{…}}`) and expanded as templates.
    func function(in text: Substring, arguments: [String: TemplateParameter], file: String, tables: inout [String]) throws -> (SQL, Substring.Index) {
        let afterPrefix = text.index(text.startIndex, offsetBy: 3)
        guard let open = text[afterPrefix...].firstIndex(of: "(") else {
            throw ConfigError("\(file): malformed {{fn.…}} call")
        }
        let name = String(text[afterPrefix..<open])
        var depth = 0, braces = 0
        var quoted = false
        var pieces: [Substring] = []
        var pieceStart = text.index(after: open)
        var index = pieceStart
        var close: Substring.Index?
        while index < text.endIndex {
            let character = text[index]
            if character == "'" && braces == 0 { quoted.toggle() }
            if !quoted {
                if text[index...].hasPrefix("{{") { braces += 1 }
                if text[index...].hasPrefix("}}"), braces > 0 { braces -= 1 }
                if braces == 0 {
                    if character == "(" { depth += 1 }
                    if character == ")" {
                        if depth == 0 { close = index; break }
                        depth -= 1
                    }
                    if character == "," && depth == 0 {
                        pieces.append(text[pieceStart..<index])
                        pieceStart = text.index(after: index)
                    }
                }
            }
            index = text.index(after: index)
        }
        guard let close, text[close...].hasPrefix(")}}") else {
            throw ConfigError("\(file): malformed {{fn.\(name)(…)}} call: it must end with `)}}`")
        }
        let last = text[pieceStart..<close]
        if !last.trimmingCharacters(in: .whitespaces).isEmpty || !pieces.isEmpty { pieces.append(last) }
        let expanded = try pieces.map { try expand(Substring($0.trimmingCharacters(in: .whitespaces)), arguments: arguments, file: file, tables: &tables) }
        let sql = try call(name, expanded, arguments: arguments, file: file, tables: &tables)
        return (sql, text.index(close, offsetBy: 3))
    }

    func call(_ name: String, _ arguments: [SQL], arguments parameters: [String: TemplateParameter], file: String, tables: inout [String]) throws -> SQL {
        func expect(_ count: Int) throws {
            guard arguments.count == count else {
                throw ConfigError("\(file): {{fn.\(name)}} takes \(count) argument(s), got \(arguments.count)")
            }
        }
        switch name {
        case "current_pointers":
            // The one definition of a current pointer (docs/semantics.md, "Latest rows").
            try expect(0)
            if !tables.contains("source." + TableName.idGraphUpdates) { tables.append("source." + TableName.idGraphUpdates) }
            if let sharedPointers {
                return "SELECT \(sql: LatestRows.pointerColumns()) FROM \(table: sharedPointers)"
            }
            return LatestRows(schemas: schemas).currentPointers()
        case "materialized":
            // `WITH x AS {{fn.materialized()}}(…)`: computed once where the engine can say so.
            try expect(0)
            return dialect.materializedCTE
        case "as_text":
            try expect(1)
            return .cast(arguments[0], as: .text)
        case "regexp":
            try expect(2)
            return .regexpMatch(arguments[0], pattern: arguments[1])
        case "sha1_hex":
            try expect(1)
            switch capabilities.sha1 {
            case .available: return capabilities.sha1.hex(arguments[0])!
            case .unavailable(let reason): throw CheckUnavailable(reason: reason)
            }
        case "hours_before_now":
            try expect(1)
            if let clock { return .hoursBetween(arguments[0], and: clock) }
            guard let now = parameters["now"] else { throw ConfigError("\(file): {{fn.hours_before_now}} needs the run's clock") }
            return .hoursBetween(arguments[0], and: .timestamp(Self.bound(now, label: "now")))
        case "day":
            try expect(1)
            return .dayText(arguments[0])
        case "days_before":
            try expect(2)
            return .daysBefore(arguments[0], days: arguments[1])
        case "timestamp_text":
            try expect(1)
            return .timestampText(arguments[0])
        case "any_raw_trait_not_null", "any_trait_not_null", "all_traits_null":
            try expect(1)
            let columns = name == "any_raw_trait_not_null" ? capabilities.rawTraitColumns : capabilities.materializedTraitColumns
            let alias = arguments[0]
            if columns.isEmpty { return name == "all_traits_null" ? "(1 = 1)" : "(1 = 0)" }
            if name == "all_traits_null" {
                return "(" + columns.map { "\(sql: alias).\(ident: $0) IS NULL" as SQL }.joined(separator: " AND ") + ")"
            }
            return "(" + columns.map { "\(sql: alias).\(ident: $0) IS NOT NULL" as SQL }.joined(separator: " OR ") + ")"
        case "deleted_segments":
            // The segment_ids materializations saw deleted upstream, or none.
            try expect(0)
            return capabilities.hasDeletedSegments
                ? "(SELECT x.segment_id FROM \(table: schemas.target(TableName.deletedSegments)) x)"
                : "(SELECT CAST(NULL AS \(type: .text)) AS segment_id WHERE 1 = 0)"
        case "trait_columns_as_text":
            try expect(1)
            let alias = arguments[0]
            return capabilities.materializedTraitColumns.map { ", \(sql: .cast("\(sql: alias).\(ident: $0)", as: .text))" as SQL }.joined(separator: "")
        default:
            throw ConfigError("\(file): unknown function {{fn.\(name)(…)}}")
        }
    }
}
