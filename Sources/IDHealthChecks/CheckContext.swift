import Foundation
import IDHealthSQL
import IDHealthMaterialize

/// What a check needs to run: the connection, the schemas, the settings, and the helpers
/// that render its SQL, record what ran and mask what it samples.
public struct CheckContext {
    public let database: any Database
    public let schemas: Schemas
    public let settings: CheckSettings
    public let showValues: Bool
    /// "Now" for checks that measure time (freshness), injected so tests and demos are stable.
    public let now: Date
    var renderer: QueryRenderer
    /// The graph statistics, read once per run before the checks (nil before materialization).
    var graph: GraphStatistics?
    /// The materialization run that rebuilt every table from the raw history just before
    /// these checks, in the same `idhealth run`: then the tables equal a rebuild by
    /// construction, and `materialization_drift` says so instead of rebuilding again.
    public var rebuiltByRun: String?
    /// The run's current pointers, once a check has needed them (nil before, or where the
    /// database refuses temporary tables).
    var sharedPointers: SharedPointers?

    public init(database: any Database, schemas: Schemas, settings: CheckSettings, showValues: Bool = false, now: Date = Date()) {
        self.database = database
        self.schemas = schemas
        self.settings = settings
        self.showValues = showValues
        self.now = now
        self.renderer = QueryRenderer(schemas: schemas, dialect: database.dialect)
    }

    /// Finds out what the database can do (SHA-1) and which trait columns exist, once per run.
    mutating func probeCapabilities() throws {
        var capabilities = DatabaseCapabilities()
        capabilities.sha1 = try database.sha1Support()
        let d = database.dialect
        capabilities.rawTraitColumns = try database.columns(schemas.source(TableName.profileTraitsUpdates))
            .filter { TableName.isTraitColumn($0, in: d) }
        capabilities.materializedTraitColumns = try database.columns(schemas.target(TableName.profileTraits))
            .filter { TableName.isTraitColumn($0, in: d) }
        capabilities.hasDeletedSegments = try database.tableExists(schemas.target(TableName.deletedSegments))
        renderer.capabilities = capabilities
    }

    /// `now` as the text every engine reads as a UTC timestamp.
    var nowText: String { UTCTime.format(Int64(now.timeIntervalSince1970.rounded(.down))) }

    /// The built-in check file for `id`, parsed.
    func builtin(_ id: String) throws -> CheckSQL {
        BuiltinChecks.file(id).sql
    }

    /// Renders a named query of a check file with the check's parameters.
    func render(_ name: String, of file: CheckSQL, id: String, parameters: [String: SQLValue] = [:]) throws -> CheckQuery {
        try render(name, of: file, id: id, arguments: parameters.mapValues(TemplateParameter.value))
    }

    func render(_ name: String, of file: CheckSQL, id: String, arguments: [String: TemplateParameter]) throws -> CheckQuery {
        var arguments = arguments
        if arguments["now"] == nil { arguments["now"] = .value(.text(nowText)) }
        return try renderer.render(name, of: file, arguments: arguments)
    }

    /// The tables among `query.tables` that do not exist, as `schema.table`.
    func missingTables(_ query: CheckQuery) throws -> [String] {
        try query.tables.compactMap { reference in
            let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
            let name = parts[0] == "source" ? schemas.source(parts[1]) : schemas.target(parts[1])
            return try database.tableExists(name) ? nil : name.description
        }
    }

    /// Counts a query's rows (or sums one of its columns) grouped by some of its columns, in
    /// the database; the count is in column `n`.
    func groupedCounts(_ query: CheckQuery, by columns: [String], sum: String? = nil) throws -> [Row] {
        let list = columns.map { "o.\(ident: $0)" as SQL }.joined(separator: ", ")
        let measure: SQL = sum.map { "COALESCE(SUM(o.\(ident: $0)), 0)" } ?? "COUNT(*)"
        let sql: SQL = columns.isEmpty
            ? "SELECT \(sql: measure) AS n FROM (\(sql: query.sql)) o"
            : "SELECT \(sql: list), \(sql: measure) AS n FROM (\(sql: query.sql)) o GROUP BY \(sql: list) ORDER BY \(sql: list)"
        return try database.rows(sql)
    }

    /// The column that numbers kept offenders in their query's order (an `_idh_` name, which
    /// no query of a check uses).
    static let keptOrder = "_idh_row"

    /// Runs `body` with a check's offending rows computed once, into a temporary table
    /// numbered in the query's order (worst first), so that counting them and sampling them
    /// does not run the query twice; the table is dropped afterwards. Where the database
    /// refuses temporary tables (a read-only user), or would not number the rows in the
    /// query's order (``Dialect/numbersRowsInQueryOrder``), `body` gets nil and reads the
    /// query itself.
    func keepingOffenders<T>(_ query: CheckQuery, _ body: (KeptOffenders?) throws -> T) throws -> T {
        let d = database.dialect
        // Numbered out of order, the kept rows would sample the wrong offenders first.
        guard d.numbersRowsInQueryOrder else { return try body(nil) }
        let name = QualifiedName(d.temporarySchema, "idhealth_offenders_" + Materializer.token())
        do {
            try database.execute("CREATE TABLE \(table: name) AS SELECT o.*, ROW_NUMBER() OVER () AS \(ident: Self.keptOrder) FROM (\(sql: query.sql)) o")
        } catch let error as DatabaseError where error.isPermissionDenied {
            return try body(nil)
        }
        defer { _ = try? database.execute("DROP TABLE IF EXISTS \(table: name)") }
        return try body(KeptOffenders(rows: CheckQuery(sql: "SELECT * FROM \(table: name)", tables: []),
                                      ordered: CheckQuery(sql: "SELECT * FROM \(table: name) ORDER BY \(ident: Self.keptOrder)", tables: [])))
    }

    /// A check's offending rows kept in a temporary table: all of them (to count), and in
    /// the query's order (to sample).
    struct KeptOffenders {
        let rows: CheckQuery
        let ordered: CheckQuery
    }

    /// The first `limit` rows of a query, masked for reports unless values are to be shown
    /// (`mask: false` for rows that hold only junk values, which are the finding). The limit is
    /// appended to the query when it has none of its own (`limitInSQL`), so the engine stops
    /// early; otherwise reading stops after `limit` rows and the rest is cancelled.
    func samples(_ query: CheckQuery, limit: Int, mask: Bool = true, limitInSQL: Bool = true) throws -> (columns: [String], rows: [[SQLValue]]) {
        guard limit > 0 else { return ([], []) }
        let sql = limitInSQL ? query.sql + "\nLIMIT \(literal: .integer(Int64(limit)))" : query.sql
        let rows = try database.rows(sql, limit: limit).map { row -> Row in
            // Kept offenders carry their order number, which is no part of the finding.
            guard let index = row.columns.firstIndex(of: Self.keptOrder) else { return row }
            var columns = row.columns, values = row.values
            columns.remove(at: index)
            values.remove(at: index)
            return Row(columns: columns, values: values)
        }
        let columns = rows.first?.columns ?? []
        let masker = Masker(showValues: showValues || !mask)
        return (columns, rows.map { masker.mask(row: $0).map(Self.capped) })
    }

    /// The longest sample value a report shows, in characters: a report travels to chat and
    /// pull requests, and one 5 MB value must not make it 100 MB.
    static let maximumSampleCharacters = 200

    /// A sample value cut to ``maximumSampleCharacters``, saying how long it was.
    static func capped(_ value: SQLValue) -> SQLValue {
        guard case .text(let text) = value, text.count > maximumSampleCharacters else { return value }
        return .text(String(text.prefix(maximumSampleCharacters)) + "… (\(text.count) characters)")
    }

    /// What a report shows of a query: its text as the engine ran it, and each placeholder
    /// with the parameter it filled and the value.
    func record(_ name: String, _ query: CheckQuery) -> ExecutedQuery {
        let rendered = database.dialect.render(query.sql)
        var parameters: [String: String] = [:]
        for (index, value) in rendered.bindings.enumerated() {
            parameters[database.dialect.placeholder(index + 1)] = "\(rendered.labels[index] ?? "value") = \(value)"
        }
        return ExecutedQuery(name: name, sql: rendered.text, parameters: parameters)
    }
}
