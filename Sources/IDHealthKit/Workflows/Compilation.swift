import Foundation
import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks

/// `idhealth compile`: writes what a materialization runs as ordered, commented `.sql` files
/// and a `manifest.json`, for a team that schedules SQL itself (docs/command-line.md).
///
/// Every bound value is written as a literal the dialect quotes; nothing is read from or
/// written to a database, except the trait columns when the caller reads them from one.
package struct Compilation {
    package let dialect: Dialect
    package let schemas: Schemas
    package let traitColumns: [TraitColumn]
    package let traitNulls: TraitNulls
    /// The checks' parameters (`idhealth.yml`), rendered into the check files as literals.
    package let checkSettings: CheckSettings
    /// The raw tables' columns, where they were read from a database (``rawColumns(of:schema:)``).
    package let rawColumns: [String: [String]]?
    /// `etl_overlap`: how far before the last high-water mark an incremental run reads again.
    package let etlOverlapHours: Double

    package init(dialect: Dialect, schemas: Schemas, traitColumns: [TraitColumn], traitNulls: TraitNulls,
                 checkSettings: CheckSettings = CheckSettings(), rawColumns: [String: [String]]? = nil, etlOverlapHours: Double = 2) {
        self.rawColumns = rawColumns
        self.etlOverlapHours = etlOverlapHours
        self.dialect = dialect
        self.schemas = schemas
        self.traitColumns = traitColumns
        self.traitNulls = traitNulls
        self.checkSettings = checkSettings
    }

    /// Trait columns from `--traits NAME[:TYPE],…` (TYPE one of the portable types; default
    /// text). A name that is not a trait column (a bookkeeping column such as `seq`) or a
    /// type idhealth does not know is a ``ConfigError`` naming it.
    package static func traitColumns(from list: String, dialect: Dialect) throws -> [TraitColumn] {
        let items = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var seen: Set<String> = []
        return try items.map { item in
            let parts = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let name = parts[0]
            let typeName = parts.count > 1 ? parts[1].lowercased() : SQLType.text.rawValue
            guard let type = SQLType(rawValue: typeName), type != .untyped else {
                throw ConfigError("--traits: `\(item)` has an unknown type `\(typeName)`; types: text, integer, real, numeric, boolean, timestamp, date")
            }
            guard TableName.isTraitColumn(name, in: dialect) else {
                throw ConfigError("--traits: `\(name)` is one of profile_traits_updates' own columns, not a trait")
            }
            guard seen.insert(name).inserted else { throw ConfigError("--traits: `\(name)` is named twice") }
            return MaterializationPlan.traitColumn(name, type: type)
        }
    }

    /// The trait columns of the raw `profile_traits_updates` in `schema`, read from the catalog.
    package static func traitColumns(of database: any Database, schema: String) throws -> [TraitColumn] {
        let table = QualifiedName(schema, TableName.profileTraitsUpdates)
        // The schema is the compiled SQL's (`public` by default), which a copy of the raw
        // tables on another engine (a SQLite file's `main`) may not have.
        guard try database.schemaExists(schema) else {
            throw InputError("schema \(schema) not found in \(database.target): compile reads the trait columns from \(table) there (name its schema with --source-schema, or the columns with --traits)")
        }
        try database.useSchema(schema, create: false)
        let columns = try database.columnTypes(table)
        guard !columns.isEmpty else {
            throw InputError("table \(table) not found: compile reads the trait columns from it (or name them with --traits)")
        }
        return TraitColumn.of(columns, dialect: database.dialect)
    }

    /// The columns of each raw table in `schema` (a table that is missing has none), read
    /// from the catalog of the database `traitColumns(of:schema:)` read.
    package static func rawColumns(of database: any Database, schema: String) throws -> [String: [String]] {
        var columns: [String: [String]] = [:]
        for table in TableName.rawTables {
            columns[table] = try database.columns(QualifiedName(schema, table))
        }
        return columns
    }

    /// A written file, for the manifest and the console.
    package struct File: Sendable, Codable {
        package let file: String
        package let step: String
        package let purpose: String
        package let statements: Int
        /// For a check's file: its id (its first statement is the verdict).
        package var check: String? = nil
        package var thresholds: [String: String]? = nil
    }

    /// Writes the files into `folder` (created if needed) and returns them in order. Files of
    /// an earlier compile in the folder are replaced; nothing else there is touched.
    @discardableResult
    /// Writes the files, and with `dbtMacro` a dbt macro of that name (``dbtMacroText(_:steps:toolVersion:)``).
    package func write(to folder: URL, mode: MaterializationMode, toolVersion: String, dbtMacro: String? = nil) throws -> [File] {
        let steps = try plan(mode)
        let (checks, checksLeftOut) = try compiledChecks()
        let macro = try dbtMacro.map { try dbtMacroText($0, mode: mode, steps: steps, toolVersion: toolVersion) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let dbtMacro, let macro {
            try Data(macro.utf8).write(to: folder.appendingPathComponent(dbtMacro + ".sql"), options: .atomic)
            try Data(try dbtChecksMacroText(dbtMacro + "_checks", checks: checks, toolVersion: toolVersion).utf8)
                .write(to: folder.appendingPathComponent(dbtMacro + "_checks.sql"), options: .atomic)
        }
        let command = "idhealth compile --dialect \(dialect.engine.rawValue) --mode \(mode.rawValue)"
        var files: [File] = []
        for (index, step) in steps.enumerated() {
            let name = String(format: "%02d_%@.sql", index + 1, step.name)
            var text = """
                -- \(name): step \(index + 1) of \(steps.count), \(step.purpose).
                -- Written by \(command) (idhealth \(toolVersion)) for \(dialect.engine.displayName);
                -- raw tables in \(commented(schemas.source)), current state in \(commented(schemas.target)). Run the files in order\(mode == .incremental ? ", after a table-mode run (compiled or idhealth materialize): they continue from the latest successful run in \(commented(schemas.target)).\(TableName.runs)" : "").

                """
            text += statementsText(step.statements.map { (nil, $0) })
            try Data(text.utf8).write(to: folder.appendingPathComponent(name), options: .atomic)
            files.append(File(file: name, step: step.name, purpose: step.purpose, statements: step.statements.count))
        }
        for (index, check) in checks.enumerated() {
            let number = steps.count + index + 1
            let name = String(format: "%02d_check_%@.sql", number, check.id)
            let total = steps.count + checks.count
            var text = """
                -- \(name): step \(number) of \(total), the check \(check.id) (\(check.title)).
                -- Written by \(command) (idhealth \(toolVersion)) for \(dialect.engine.displayName); run it after the materialization.
                -- Statement 1, the verdict, returns one row: check_id, value, status (pass, warn or fail),
                -- judged as idhealth check judges it (warn \(check.thresholds["warn"] ?? "never"); fail \(check.thresholds["fail"] ?? "never")).
                -- The statements after it are the check's queries: \(check.queries.map(\.name).joined(separator: ", ")) (its offending rows, worst first).

                """
            let statements = [("verdict", check.verdict)] + check.queries
            text += statementsText(statements.map { ($0.0, $0.1) })
            try Data(text.utf8).write(to: folder.appendingPathComponent(name), options: .atomic)
            files.append(File(file: name, step: "check", purpose: "the check \(check.id): its verdict, then its queries", statements: statements.count,
                              check: check.id, thresholds: check.thresholds))
        }
        let manifest = Manifest(tool: "idhealth", version: toolVersion, dialect: dialect.engine.rawValue, mode: mode.rawValue,
                                sourceSchema: schemas.source, targetSchema: schemas.target, traitNulls: traitNulls.rawValue,
                                traitColumns: traitColumns.map { .init(name: $0.name, type: dialect.portableType(ofDeclared: $0.declaredType).rawValue) },
                                files: files, leftOut: Self.leftOut(mode, dialect: dialect) + checksLeftOut.map { "the check \($0.id): \($0.reason)" })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try removeStaleFiles(in: folder, keeping: Set(files.map(\.file)))
        try encoder.encode(manifest).write(to: folder.appendingPathComponent("manifest.json"), options: .atomic)
        return files
    }

    /// Removes the files an earlier compile into `folder` wrote (its manifest lists them) that
    /// this one did not, a check disabled since, so that running every `.sql` file of the
    /// folder runs only this compile's. Nothing the manifest does not list is touched.
    func removeStaleFiles(in folder: URL, keeping: Set<String>) throws {
        let url = folder.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url),
              let earlier = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let listed = earlier["files"] as? [[String: Any]] else { return }
        for name in listed.compactMap({ $0["file"] as? String }) where !keeping.contains(name) {
            // Only a file name of the compiled form, never a path out of the folder.
            guard name.range(of: #"^[0-9]{2}_[a-z_]+\.sql$"#, options: .regularExpression) != nil else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// The enabled built-in checks, rendered for the dialect against the compiled tables
    /// (their trait columns are the raw table's), and those left out with the reason.
    package func compiledChecks() throws -> (checks: [CheckCompiler.Compiled], leftOut: [(id: String, reason: String)]) {
        try CheckCompiler(schemas: schemas, dialect: dialect, settings: checkSettings, traitColumns: traitColumns.map(\.name), rawColumns: rawColumns).compile()
    }

    /// The steps of a materialization in `mode`, as the files hold them. View mode is not
    /// written: its views resolve the graph in a recursive query that drops repeated steps,
    /// which only SQLite and PostgreSQL have, and `materialize --mode view` writes them there.
    package func plan(_ mode: MaterializationMode = .table) throws -> [MaterializationPlan.Step] {
        let plan = MaterializationPlan(schemas: schemas, dialect: dialect, traitColumns: traitColumns, traitNulls: traitNulls, etlOverlapHours: etlOverlapHours)
        switch mode {
        case .table: return plan.tableMode()
        case .incremental: return try plan.incrementalMode()
        case .view:
            throw ConfigError("compile writes table and incremental mode; --mode view is two or three CREATE VIEW statements that only SQLite and PostgreSQL can run: use idhealth materialize --mode view there")
        }
    }

    /// The same statements as one dbt macro, for a dbt project to run with `dbt run-operation
    /// NAME` (put the file in its `macros/` folder): each statement is a `statement` call of
    /// its own, in file order, outside dbt's own transactions (the files' `BEGIN`/`COMMIT`
    /// keep theirs), its text inside `{% raw %}` so that dbt's Jinja leaves it alone.
    package func dbtMacroText(_ name: String, mode: MaterializationMode, steps: [MaterializationPlan.Step], toolVersion: String) throws -> String {
        guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
            throw ConfigError("--dbt-macro: `\(name)` is not a dbt macro name (letters, digits and _, not starting with a digit)")
        }
        var text = """
            {#- Written by idhealth compile --dialect \(dialect.engine.rawValue) --mode \(mode.rawValue) (idhealth \(toolVersion)) for \(dialect.engine.displayName):
                a \(mode.rawValue)-mode materialization of \(jinjaCommented(schemas.target)) from the raw tables in \(jinjaCommented(schemas.source)).
                Run it with `dbt run-operation \(name)`. -#}
            {% macro \(name)() %}

            """
        for (index, step) in steps.enumerated() {
            text += "  {#- step \(index + 1) of \(steps.count): \(step.name) -#}\n"
            for (number, statement) in step.statements.enumerated() {
                text += try dbtStatementCall("idhealth_\(step.name)_\(number + 1)", statement, fetchResult: false, of: "a statement of step \(step.name)")
            }
        }
        text += "  {{ log(\(jinjaString("idhealth: materialized \(schemas.target) (\(steps.reduce(0) { $0 + $1.statements.count }) statements)")), info=True) }}\n{% endmacro %}\n"
        return text
    }

    /// A schema name as a `--` comment line of a compiled file shows it: quoted by the dialect,
    /// with every control or line-separating character written as `\u{…}`, so that no name
    /// (`raw\nDROP TABLE …`) can end the comment and start a statement of its own.
    func commented(_ name: String) -> String {
        Self.escapingLineBreaks(dialect.quote(name))
    }

    /// Text with each control character and Unicode line or paragraph separator written as
    /// `\u{HEX}`: what may stand in a one-line comment.
    static func escapingLineBreaks(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || [0x2028, 0x2029].contains(scalar.value) {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A name inside a Jinja comment (`{# … #}`): as in a SQL comment, and with `#}`, which
    /// would close the comment, broken up.
    func jinjaCommented(_ name: String) -> String {
        commented(name).replacingOccurrences(of: "#}", with: "# }").replacingOccurrences(of: "{#", with: "{ #")
    }

    /// Text as a Jinja string literal: single-quoted, with backslashes, quotes and line breaks
    /// escaped, so that a schema name stays a string (`x', info=True) }}{% do … %}` does not
    /// end the call) and `o'brien` does not break the template.
    func jinjaString(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "'": escaped += "\\'"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default:
                if scalar.properties.generalCategory == .control {
                    escaped += String(format: "\\x%02x", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "'" + escaped + "'"
    }

    /// The statements of a compiled file, each after a `-- N of M` line (with what it is, when
    /// `note` says), rendered with its values as literals and ended by `;`: the form the files'
    /// readers (and the test scripts that split them) rely on.
    func statementsText(_ statements: [(note: String?, sql: SQL)]) -> String {
        statements.enumerated().map { number, statement in
            "\n-- \(number + 1) of \(statements.count)\(statement.note.map { ": " + $0 } ?? "")\n" + dialect.renderInline(statement.sql) + ";\n"
        }.joined()
    }

    /// One statement as a dbt `statement` call, outside dbt's transactions, its text in a
    /// `{% raw %}` block so that dbt's Jinja leaves it alone; a text that would end the block
    /// early (`endraw`) is a ``ConfigError`` naming `what`.
    func dbtStatementCall(_ label: String, _ statement: SQL, fetchResult: Bool, of what: String) throws -> String {
        let sql = dialect.renderInline(statement)
        guard !sql.contains("endraw") else {
            throw ConfigError("--dbt-macro: \(what) contains `endraw`, which would end dbt's raw block: compile without --dbt-macro")
        }
        return "  {% call statement('\(label)', fetch_result=\(fetchResult ? "True" : "False"), auto_begin=False) %}{% raw %}\n\(sql)\n{% endraw %}{% endcall %}\n"
    }

    /// The checks' verdicts as a dbt macro (`NAME_checks`): each verdict runs as a `statement`
    /// whose one row is logged, and the macro raises a compiler error naming every check whose
    /// status is `fail`, so `dbt run-operation NAME_checks` fails the build as `idhealth check`
    /// exits 1. The row is read by position (check_id, value, status): warehouses differ in the
    /// case of the column names they return.
    package func dbtChecksMacroText(_ name: String, checks: [CheckCompiler.Compiled], toolVersion: String) throws -> String {
        var text = """
            {#- Written by idhealth compile --dialect \(dialect.engine.rawValue) (idhealth \(toolVersion)) for \(dialect.engine.displayName):
                the verdicts of \(checks.count) checks on \(jinjaCommented(schemas.target)). Run it after the materialization with
                `dbt run-operation \(name)`; it fails when a check fails. -#}
            {% macro \(name)() %}
              {%- set failed = [] -%}

            """
        for (index, check) in checks.enumerated() {
            let label = "idhealth_check_\(index + 1)"
            text += try dbtStatementCall(label, check.verdict, fetchResult: true, of: "the verdict of \(check.id)")
            text += """
                  {%- set row = load_result('\(label)')['table'].rows[0] -%}
                  {{ log('idhealth: ' ~ row[0] ~ ' ' ~ row[2] ~ ' (value ' ~ row[1] ~ ')', info=True) }}
                  {%- if row[2] == 'fail' %}{% do failed.append(row[0]) %}{% endif %}

                """
        }
        text += """
              {%- if failed | length > 0 %}
                {{ exceptions.raise_compiler_error('idhealth: ' ~ (failed | length) ~ ' check(s) failed: ' ~ (failed | join(', '))) }}
              {%- endif %}
            {% endmacro %}

            """
        return text
    }

    /// What `idhealth materialize` does that the files do not, in the manifest's words.
    package static func leftOut(_ mode: MaterializationMode, dialect: Dialect) -> [String] {
        var leftOut = dialect.engine == .sqlite ? [
            // idhealth registers both in its own connections; the sqlite3 shell has neither.
            "the SQL functions regexp (blocked_values' patterns) and idhealth_sha1 (external_id_hash), which idhealth adds to its own SQLite connections: the sqlite3 shell has neither, so those two check files stop there (`unclosed '['`, `no such function`); run idhealth check for them",
        ] : []
        leftOut += [
            "the materialization lock: do not start a second run of the same target schema while one runs",
            "validation of the raw tables (missing columns, NULL keys): idhealth materialize refuses bad input with a message naming it",
            "the counts of the idhealth_runs row (rows read, written and deleted): the row records the high-water marks an incremental run starts from, and its counts are NULL",
        ]
        switch mode {
        case .table:
            leftOut.append("the record of segment_ids deleted upstream since the last run (idhealth_deleted_segments), which idhealth materialize keeps: an incremental compile records them")
        case .incremental, .view:
            leftOut += [
                "the first run: run the table-mode files (or idhealth materialize) once before these; with no successful run in idhealth_runs there is nothing to continue from",
                "a full refresh when it is needed: a new trait column in profile_traits_updates, or a changed traits.nulls, needs a table-mode run (idhealth materialize --mode incremental does it by itself)",
            ]
        }
        return leftOut + [
            "custom checks (the checks folder's files): run idhealth check for them",
            "the checks' samples as reports show them (masked), their details and history: the check files return the verdict and the offending rows",
        ]
    }

    struct Manifest: Codable {
        struct Trait: Codable {
            let name: String
            let type: String
        }
        let tool: String
        let version: String
        let dialect: String
        let mode: String
        let sourceSchema: String
        let targetSchema: String
        let traitNulls: String
        let traitColumns: [Trait]
        let files: [File]
        let leftOut: [String]
    }
}
