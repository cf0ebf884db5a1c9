import Foundation
import IDHealthCheckSQL

/// What a check needs to run: the connection, the schemas, the settings, and the helpers
/// that render its SQL, record what ran and mask what it samples.
public struct CheckContext {
    public let database: any Database
    public let schemas: Schemas
    public let configuration: Configuration
    public let showValues: Bool
    /// "Now" for checks that measure time (freshness), injected so tests and demos are stable.
    public let now: Date
    var renderer: QueryRenderer
    /// The graph statistics, read once per run before the checks (nil before materialization).
    var graph: GraphStatistics?

    public init(database: any Database, schemas: Schemas, configuration: Configuration, showValues: Bool = false, now: Date = Date()) {
        self.database = database
        self.schemas = schemas
        self.configuration = configuration
        self.showValues = showValues
        self.now = now
        self.renderer = QueryRenderer(dialect: database.dialect, schemas: schemas)
    }

    /// Finds out what the database can do (SHA-1) and which trait columns exist, once per run.
    mutating func probeCapabilities() throws {
        var capabilities = DatabaseCapabilities()
        capabilities.sha1Wrapper = try database.sha1Wrapper()
        capabilities.rawTraitColumns = try database.columns(schema: schemas.source, table: TableName.profileTraitsUpdates)
            .filter(TableName.isTraitColumn)
        capabilities.materializedTraitColumns = try database.columns(schema: schemas.target, table: TableName.profileTraits)
            .filter { TableName.isTraitColumn($0) && $0 != "etl_ts" }
        capabilities.hasDeletedSegments = try database.tableExists(schema: schemas.target, table: TableName.deletedSegments)
        renderer.capabilities = capabilities
    }

    /// `now` as the text every engine reads as a UTC timestamp.
    var nowText: String { UTCTime.format(Int64(now.timeIntervalSince1970.rounded(.down))) }

    /// The built-in check file for `id`, parsed.
    func builtin(_ id: String) throws -> CheckSQL {
        guard let text = EmbeddedChecks.files[id] else { throw ConfigError("no built-in check file for \(id)") }
        return try CheckSQL(parsing: text, file: "checks/\(id).sql", name: "checks/\(id).sql")
    }

    /// Renders a named query of a check file with the check's parameters.
    func render(_ name: String, of file: CheckSQL, id: String, parameters: [String: SQLValue] = [:]) throws -> RenderedQuery {
        try render(name, of: file, id: id, arguments: parameters.mapValues(TemplateParameter.value))
    }

    func render(_ name: String, of file: CheckSQL, id: String, arguments: [String: TemplateParameter]) throws -> RenderedQuery {
        guard let template = file.template(name) else { throw ConfigError("\(file.name) has no query named \(name)") }
        var arguments = arguments
        if arguments["now"] == nil { arguments["now"] = .value(.text(nowText)) }
        return try renderer.render(template, arguments: arguments, file: file.name)
    }

    /// The tables among `query.tables` that do not exist, as `schema.table`.
    func missingTables(_ query: RenderedQuery) throws -> [String] {
        try query.tables.compactMap { reference in
            let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
            let schema = parts[0] == "source" ? schemas.source : schemas.target
            return try database.tableExists(schema: schema, table: parts[1]) ? nil : "\(schema).\(parts[1])"
        }
    }

    /// Counts a query's rows (or sums one of its columns) grouped by some of its columns, in
    /// the database; the count is in column `n`.
    func groupedCounts(_ query: RenderedQuery, by columns: [String], sum: String? = nil) throws -> [Row] {
        let d = database.dialect
        let list = columns.map { "o." + d.quote($0) }.joined(separator: ", ")
        let measure = sum.map { "COALESCE(SUM(o.\(d.quote($0))), 0)" } ?? "COUNT(*)"
        let sql = columns.isEmpty
            ? "SELECT \(measure) AS n FROM (\(query.sql)) o"
            : "SELECT \(list), \(measure) AS n FROM (\(query.sql)) o GROUP BY \(list) ORDER BY \(list)"
        return try database.rows(sql, query.bindings)
    }

    /// The first `limit` rows of a query, masked for reports unless values are to be shown
    /// (`mask: false` for rows that hold only junk values, which are the finding).
    func samples(_ query: RenderedQuery, limit: Int, mask: Bool = true) throws -> (columns: [String], rows: [[SQLValue]]) {
        guard limit > 0 else { return ([], []) }
        let sql = query.sql + "\nLIMIT " + database.dialect.placeholder(query.bindings.count + 1)
        let rows = try database.rows(sql, query.bindings + [.integer(Int64(limit))], limit: limit)
        let columns = rows.first?.columns ?? []
        let masker = Masker(showValues: showValues || !mask)
        return (columns, rows.map { masker.mask(row: $0) })
    }

    func record(_ name: String, _ query: RenderedQuery) -> ExecutedQuery {
        var parameters: [String: String] = [:]
        for (index, name) in query.parameterNames.enumerated() {
            parameters[database.dialect.placeholder(index + 1)] = "\(name) = \(query.bindings[index])"
        }
        return ExecutedQuery(name: name, sql: query.sql, parameters: parameters)
    }

    /// A threshold setting of a check, resolved from the config file or its default.
    /// A threshold the check does not define is never crossed.
    func threshold(_ name: String, of check: CheckDefinition) -> Threshold {
        if case .threshold(let value) = configuration.parameter(name, of: check) { return value }
        return .never
    }

    func integer(_ name: String, of check: CheckDefinition) -> Int {
        if case .integer(let value) = configuration.parameter(name, of: check) { return value }
        return 0
    }

    func number(_ name: String, of check: CheckDefinition) -> Double {
        switch configuration.parameter(name, of: check) {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: return 0
        }
    }

    func strings(_ name: String, of check: CheckDefinition) -> [String] {
        if case .strings(let values) = configuration.parameter(name, of: check) { return values }
        return []
    }

    func limits(_ name: String, of check: CheckDefinition) -> [String: Int] {
        if case .limits(let values) = configuration.parameter(name, of: check) { return values }
        return [:]
    }
}
