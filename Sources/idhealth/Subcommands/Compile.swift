import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthMaterialize

/// `idhealth compile`: writes a materialization as ordered `.sql` files and a manifest, for a
/// scheduler that runs SQL itself (docs/command-line.md, "compile"), in any dialect,
/// Snowflake's, BigQuery's and Databricks' included.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write what a materialization runs as ordered, commented .sql files and a manifest.json."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("The materialization to write: table (a full rebuild) or incremental (what landed since the last run; run the table-mode files once first).", valueName: "mode"))
    var mode: CompiledMode = .table

    @Option(help: ArgumentHelp("The trait columns of profile_traits_updates, as NAME[:TYPE],… (TYPE: text, integer, real, numeric, boolean, timestamp, date; default text). Default: read from --database.", valueName: "list"))
    var traits: String?

    @Option(help: ArgumentHelp("The folder to write (default: compiled/ beside the config file).", valueName: "DIR"))
    var output: String?

    @Option(help: ArgumentHelp("Also write the statements as a dbt macro of this name (NAME.sql, for a dbt project's macros/; run it with dbt run-operation NAME), and the checks' verdicts as NAME_checks (NAME_checks.sql), which fails when a check fails.", valueName: "NAME"))
    var dbtMacro: String?

    func run() throws {
        try Console.guarded {
            let configuration = try common.resolvedConfiguration()
            let (dialect, schemas, traitColumns, rawColumns) = try resolve(configuration)
            let folder = configuration.resolve(output ?? "compiled")
            let compilation = Compilation(dialect: dialect, schemas: schemas, traitColumns: traitColumns, traitNulls: configuration.traitNulls,
                                          checkSettings: configuration.checkSettings, rawColumns: rawColumns, etlOverlapHours: configuration.etlOverlapHours)
            let mode = mode.materialization
            let files = try compilation.write(to: folder, mode: mode, toolVersion: IDHealthVersion.current, dbtMacro: dbtMacro)
            Console.out("Wrote \(files.count) files of \(dialect.engine.displayName) SQL for \(mode == .incremental ? "an" : "a") \(mode.rawValue)-mode materialization of \(schemas.target) (raw tables in \(schemas.source); \(traitColumns.count) trait columns) and \(files.filter { $0.check != nil }.count) checks to \(folder.path):")
            for file in files {
                Console.out("  \(file.file)  \(file.statements) statements: \(file.purpose)")
            }
            Console.out("  manifest.json")
            if let dbtMacro {
                Console.out("  \(dbtMacro).sql  a dbt macro of every materialization statement: dbt run-operation \(dbtMacro)")
                Console.out("  \(dbtMacro)_checks.sql  the checks' verdicts as a dbt macro that fails when a check fails: dbt run-operation \(dbtMacro)_checks")
            }
            return 0
        }
    }

    /// The dialect, schemas and trait columns: from the options, else from the database the
    /// configuration names (read-only: its catalog only).
    /// The raw tables' columns come along where the trait columns were read from the database.
    func resolve(_ configuration: Configuration) throws -> (Dialect, Schemas, [TraitColumn], [String: [String]]?) {
        var database: (any Database)?
        if configuration.database != nil, traits == nil || configuration.dialect == nil {
            // The catalog is read in the database's own dialect: the trait columns may come
            // from another engine than the SQL is written for (a SQLite copy of the raw
            // tables, compiled for Snowflake).
            var reading = configuration
            reading.dialect = nil
            database = try common.open(reading).0
        }
        guard let dialect = configuration.dialect ?? database?.dialect else {
            throw ConfigError("compile needs --dialect (\(Dialect.Engine.allCases.map(\.rawValue).joined(separator: ", "))), or a --database to take it from")
        }
        let source = configuration.sourceSchema ?? dialect.defaultSchema
        let schemas = Schemas(source: source, target: configuration.targetSchema ?? source)
        if let traits { return (dialect, schemas, try Compilation.traitColumns(from: traits, dialect: dialect), nil) }
        guard let database else {
            throw ConfigError("compile needs the trait columns: name them with --traits NAME[:TYPE],…, or give --database to read them from \(TableName.profileTraitsUpdates)")
        }
        let traitColumns = try Compilation.traitColumns(of: database, schema: schemas.source)
        return (dialect, schemas, traitColumns, try Compilation.rawColumns(of: database, schema: schemas.source))
    }
}

/// The modes `compile` writes files for. `view` is read only to answer with what to do
/// instead (its views are created by `materialize --mode view`), and `--help` does not offer it.
enum CompiledMode: String, CaseIterable, ExpressibleByArgument {
    case table, incremental, view

    static var allValueStrings: [String] { ["table", "incremental"] }

    var materialization: MaterializationMode { MaterializationMode(rawValue: rawValue) ?? .table }
}
