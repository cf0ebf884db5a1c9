import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// The options every database command shares (docs/command-line.md).
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The config file (default: idhealth.yml in the current folder, when there is one).", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("A SQLite path or sqlite:PATH; a postgres:// URI or libpq keyword string; snowflake://DSN or sc://HOST:PORT (Spark Connect) through an ADBC driver; adbc:postgresql://…; odbc:CONNECTION-STRING.", valueName: "DB"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("The SQL to speak over a server connection: postgres or redshift (default: what the server says it is); compile also writes sqlite, snowflake, bigquery and databricks.", valueName: "D"))
    var dialect: String?

    @Option(name: .long, help: ArgumentHelp("Schema holding the raw *_updates tables (default: main in SQLite, public in PostgreSQL).", valueName: "S"))
    var sourceSchema: String?

    @Option(name: .long, help: ArgumentHelp("Schema for the current-state tables (default: the source schema).", valueName: "T"))
    var targetSchema: String?

    @Option(name: .long, help: ArgumentHelp("Take the connection from this profile of dbt's profiles.yml (postgres, redshift, snowflake and databricks outputs), its schema as the target schema.", valueName: "NAME"))
    var dbtProfile: String?

    @Option(name: .long, help: ArgumentHelp("The profile's output to use (default: its `target:`).", valueName: "T"))
    var dbtTarget: String?

    @Option(name: .long, help: ArgumentHelp("The folder of profiles.yml (default: DBT_PROFILES_DIR, the current folder, ~/.dbt).", valueName: "DIR"))
    var profilesDir: String?

    @Option(name: .long, help: ArgumentHelp("A dbt project that uses the dbt package: its vars schema_name (the source schema) and etl_overlap, and its profile.", valueName: "DIR"))
    var dbtProject: String?

    /// The options an `idhealth explain` command in a report needs to reach this run's
    /// database from any folder: the config file by its absolute path (given, or found in the
    /// current folder), and what the command line said instead of or beside it, paths made
    /// absolute. A PostgreSQL password is left out (libpq finds it in PGPASSWORD or
    /// ~/.pgpass); another string with a secret in it is left out whole.
    func explainOptions() -> [String] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        func absolute(_ path: String) -> String { URL(fileURLWithPath: (path as NSString).expandingTildeInPath, relativeTo: cwd).standardizedFileURL.path }
        var options: [String] = []
        let configPath = absolute(config ?? Configuration.defaultFileName)
        if FileManager.default.fileExists(atPath: configPath) { options += ["--config", configPath] }
        if let database, let location = try? DatabaseLocation(database) {
            switch location.kind {
            case .sqlite(let path): options += ["--database", absolute(path)]
            case .postgres(let conninfo): options += ["--database", location.holdsSecret ? PostgresConnectionString.withoutPassword(conninfo) : conninfo]
            case .odbc, .adbc, .bigquery: if !location.holdsSecret { options += ["--database", database] }
            }
        }
        if let dialect { options += ["--dialect", dialect] }
        if let sourceSchema { options += ["--source-schema", sourceSchema] }
        if let targetSchema { options += ["--target-schema", targetSchema] }
        if let dbtProfile { options += ["--dbt-profile", dbtProfile] }
        if let dbtTarget { options += ["--dbt-target", dbtTarget] }
        if let profilesDir { options += ["--profiles-dir", absolute(profilesDir)] }
        if let dbtProject { options += ["--dbt-project", absolute(dbtProject)] }
        return options
    }

    /// The config file, with the command line's overrides applied, then the dbt settings'.
    func resolvedConfiguration() throws -> Configuration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var configuration = try Configuration.load(path: config, workingDirectory: cwd)
        if let database { configuration.database = database }
        if let dialect { configuration.dialect = try Configuration.dialect(named: dialect, from: "--dialect") }
        if let sourceSchema { configuration.sourceSchema = sourceSchema }
        if let targetSchema { configuration.targetSchema = targetSchema }
        // A dbt option on the command line replaces the file's dbt settings and connection.
        if dbtProfile != nil, database == nil { configuration.database = nil }
        if let dbtProfile { configuration.dbt.profile = dbtProfile }
        if let dbtTarget { configuration.dbt.target = dbtTarget }
        if let profilesDir { configuration.dbt.profilesDirectory = URL(fileURLWithPath: profilesDir, relativeTo: cwd).standardizedFileURL.path }
        if let dbtProject { configuration.dbt.projectDirectory = URL(fileURLWithPath: dbtProject, relativeTo: cwd).standardizedFileURL.path }
        return try configuration.resolvingDbt(workingDirectory: cwd)
    }

    /// Opens the database the configuration names and works out the schemas. Only `generate`
    /// may create a new SQLite file: elsewhere a mistyped path must not become an empty database.
    func open(_ configuration: Configuration, create: Bool = false) throws -> (any Database, Schemas) {
        guard let text = configuration.database else {
            throw ConfigError("no database: pass --database DB or set `database:` in idhealth.yml (run `idhealth init` to write one)")
        }
        var location = try DatabaseLocation(text)
        if case .sqlite(let path) = location.kind {
            location = try DatabaseLocation("sqlite:" + configuration.resolve(path).path)
        }
        let database = Interruption.guarded(try location.connect(create: create, dialect: configuration.dialect))
        let source = configuration.sourceSchema ?? database.dialect.defaultSchema
        let target = configuration.targetSchema ?? source
        return (database, Schemas(source: source, target: target))
    }
}
