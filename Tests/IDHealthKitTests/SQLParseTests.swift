import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks

/// Every statement a run sends parses with sqlglot in the engine's own dialect: a second
/// reader of the SQL, written independently of the engines, that knows Redshift's grammar
/// where the PostgreSQL server standing in for Redshift is more lenient.
@Suite("SQL parses with sqlglot")
struct SQLParseTests {
    /// sqlglot's name for each dialect.
    static let sqlglotDialect: [Dialect.Engine: String] = [.sqlite: "sqlite", .postgres: "postgres", .redshift: "redshift", .snowflake: "snowflake", .bigquery: "bigquery", .databricks: "databricks"]

    @Test("every statement of a full, an incremental and a check run parses in the engine's dialect, within what the warehouse documents",
          arguments: TestDatabase.engines.map(TestDatabase.Place.native) + [.adbc(.snowflake)])
    func everyStatementParses(place: TestDatabase.Place) throws {
        let engine = place.engine
        try TestDatabase.with(place) { test in
            let recorder = RecordingDatabase(base: test.database)
            // Generated data with every injected anomaly (chains, cycles, dangling, junk).
            _ = try ProfilesSyncGenerator(profiles: 300, seed: 11, anomalies: true).write(to: test.database, schema: test.schemas.source, replace: false)
            _ = try Materializer(database: recorder, schemas: test.schemas).run(mode: .table)
            _ = try Materializer(database: recorder, schemas: test.schemas).run(mode: .incremental)
            let context = CheckContext(database: recorder, schemas: test.schemas, settings: Configuration(baseDirectory: test.directory).checkSettings)
            _ = try CheckRunner(context: context).run()
            if test.database.dialect.hasRecursiveUnion {
                _ = try Materializer(database: recorder, schemas: test.schemas).run(mode: .view)
            }
            // sqlglot reads SQLite's anonymous `?` but not its numbered `?1`: the numbers go.
            let statements = recorder.distinctStatements.map { text in
                engine == .sqlite ? text.replacingOccurrences(of: #"\?[0-9]+"#, with: "?", options: .regularExpression) : text
            }
            #expect(statements.count > 100, "a run sends more statements than that: \(statements.count)")
            let result = try Self.parse(statements, dialect: try #require(Self.sqlglotDialect[engine]), in: test.directory)
            #expect(result.parsed == statements.count)
            for failure in result.failures.prefix(10) {
                Issue.record("sqlglot \(result.sqlglot) cannot parse this as \(engine.rawValue): \(failure.error)\n\(failure.sql)")
            }
            #expect(result.failures.isEmpty, "\(result.failures.count) of \(statements.count) statements do not parse")
            Self.expectNoViolations(result, engine: engine)
        }
    }

    /// What the warehouse documents and its stand-in lets through (parse-sql.py's rules).
    static func expectNoViolations(_ result: ParseResult, engine: Dialect.Engine, sourceLocation: SourceLocation = #_sourceLocation) {
        for violation in result.violations.prefix(10) {
            Issue.record("\(engine.displayName) does not run this: \(violation.rule)\n\(violation.sql)", sourceLocation: sourceLocation)
        }
    }

    @Test("every statement `idhealth compile` writes, in table and incremental mode, parses in its dialect", arguments: Dialect.Engine.allCases)
    func compiledStatementsParse(engine: Dialect.Engine) throws {
        let dialect = Dialect(engine: engine)
        let traits = try Compilation.traitColumns(from: "email,score:real,vip:boolean,first_seen:timestamp", dialect: .postgres)
        let plan = MaterializationPlan(schemas: Schemas(source: "raw", target: "identity"), dialect: dialect, traitColumns: traits, traitNulls: .propagate)
        // The checks' files too: each verdict and each query.
        let checks = try Compilation(dialect: dialect, schemas: Schemas(source: "raw", target: "identity"), traitColumns: traits, traitNulls: .propagate).compiledChecks().checks
        #expect(checks.count == CompileTests.compiledCheckIDs.count)
        let statements = (plan.tableMode().flatMap(\.statements) + (try plan.incrementalMode()).flatMap(\.statements) + checks.flatMap { [$0.verdict] + $0.queries.map(\.sql) }).map { dialect.renderInline($0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-parse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.parse(statements, dialect: try #require(Self.sqlglotDialect[engine]), in: directory)
        for failure in result.failures.prefix(10) {
            Issue.record("sqlglot \(result.sqlglot) cannot parse this as \(engine.rawValue): \(failure.error)\n\(failure.sql)")
        }
        #expect(result.failures.isEmpty && result.parsed == statements.count)
        Self.expectNoViolations(result, engine: engine)
        if engine == .redshift {
            for statement in statements {
                #expect(RedshiftLint.violations(statement).isEmpty, "\(RedshiftLint.violations(statement)): \(statement)")
            }
        }
    }

    struct ParseResult: Decodable {
        struct Failure: Decodable {
            let sql: String
            let error: String
        }
        struct Violation: Decodable {
            let sql: String
            let rule: String
        }
        let sqlglot: String
        let parsed: Int
        let failures: [Failure]
        let violations: [Violation]
    }

    /// Runs scripts/lib/parse-sql.py (sqlglot, from the test command's virtual environment).
    static func parse(_ statements: [String], dialect: String, in directory: URL) throws -> ParseResult {
        let file = directory.appendingPathComponent("statements-\(dialect).json")
        try JSONEncoder().encode(statements).write(to: file)
        return try JSONDecoder().decode(ParseResult.self, from: PythonTool.run("parse-sql.py", [dialect, file.path]))
    }
}

/// A real connection that keeps the text of every statement it runs, in order.
final class RecordingDatabase: DatabaseDecorator {
    let base: any Database
    private(set) var statements: [String] = []

    init(base: any Database) {
        self.base = base
    }

    /// The statements, each once, in the order they first ran.
    var distinctStatements: [String] {
        var seen: Set<String> = []
        return statements.filter { seen.insert($0).inserted }
    }

    func execute(_ sql: SQL) throws -> Int {
        statements.append(base.dialect.render(sql).text)
        return try base.execute(sql)
    }

    func executeScript(_ sql: SQL) throws {
        statements.append(base.dialect.render(sql).text)
        try base.executeScript(sql)
    }

    func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        statements.append(base.dialect.render(sql).text)
        try base.forEachRow(sql, body)
    }
}
