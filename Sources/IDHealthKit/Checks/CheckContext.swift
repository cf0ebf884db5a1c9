import Foundation
import IDHealthCheckSQL

/// What a check needs to run: the connection, the schemas, the settings, and the helpers
/// that render its SQL, record what ran and mask what it samples.
public struct CheckContext {
    public let database: any Database
    public let schemas: Schemas
    public let configuration: Configuration
    public let showValues: Bool
    let renderer: QueryRenderer
    /// The graph statistics, read once per run before the checks (nil before materialization).
    var graph: GraphStatistics?

    public init(database: any Database, schemas: Schemas, configuration: Configuration, showValues: Bool = false) {
        self.database = database
        self.schemas = schemas
        self.configuration = configuration
        self.showValues = showValues
        self.renderer = QueryRenderer(dialect: database.dialect, schemas: schemas)
    }

    /// The built-in check file for `id`, parsed.
    func builtin(_ id: String) throws -> CheckSQL {
        guard let text = EmbeddedChecks.files[id] else { throw ConfigError("no built-in check file for \(id)") }
        return try CheckSQL(parsing: text, file: "checks/\(id).sql")
    }

    /// Renders a named query of a check file with the check's parameters.
    func render(_ name: String, of file: CheckSQL, id: String, parameters: [String: SQLValue] = [:]) throws -> RenderedQuery {
        guard let template = file.template(name) else { throw ConfigError("checks/\(id).sql has no query named \(name)") }
        return try renderer.render(template, parameters: parameters, file: "checks/\(id).sql")
    }

    /// The tables among `query.tables` that do not exist, as `schema.table`.
    func missingTables(_ query: RenderedQuery) throws -> [String] {
        try query.tables.compactMap { reference in
            let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
            let schema = parts[0] == "source" ? schemas.source : schemas.target
            return try database.tableExists(schema: schema, table: parts[1]) ? nil : "\(schema).\(parts[1])"
        }
    }

    /// Counts a query's rows grouped by some of its columns, in the database.
    func groupedCounts(_ query: RenderedQuery, by columns: [String]) throws -> [Row] {
        let d = database.dialect
        let list = columns.map { "o." + d.quote($0) }.joined(separator: ", ")
        let sql = columns.isEmpty
            ? "SELECT COUNT(*) AS n FROM (\(query.sql)) o"
            : "SELECT \(list), COUNT(*) AS n FROM (\(query.sql)) o GROUP BY \(list) ORDER BY \(list)"
        return try database.rows(sql, query.bindings)
    }

    /// The first `limit` rows of a query, masked for reports unless values are to be shown.
    func samples(_ query: RenderedQuery, limit: Int) throws -> (columns: [String], rows: [[SQLValue]]) {
        guard limit > 0 else { return ([], []) }
        let sql = query.sql + "\nLIMIT " + database.dialect.placeholder(query.bindings.count + 1)
        let rows = try database.rows(sql, query.bindings + [.integer(Int64(limit))], limit: limit)
        let columns = rows.first?.columns ?? []
        let masker = Masker(showValues: showValues)
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
    func threshold(_ name: String, of check: CheckDefinition) -> Threshold {
        if case .threshold(let value) = configuration.parameter(name, of: check) { return value }
        return Threshold(.greater, 0)
    }

    func integer(_ name: String, of check: CheckDefinition) -> Int {
        if case .integer(let value) = configuration.parameter(name, of: check) { return value }
        return 0
    }
}
