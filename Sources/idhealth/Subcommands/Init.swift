import ArgumentParser
import Foundation
import IDHealthKit
import IDHealthSQL
import IDHealthGenerate
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// `idhealth init`: writes a commented idhealth.yml. Given a database, it looks for the raw
/// tables and records the schema that holds them, so the next command reads the right one.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a commented idhealth.yml with every setting and its default.")

    @Option(help: ArgumentHelp("Where to write it.", valueName: "FILE"))
    var config: String = Configuration.defaultFileName

    @Option(help: ArgumentHelp("The database to put in it; idhealth looks there for the schema holding the raw tables.", valueName: "DB"))
    var database: String?

    @Option(help: ArgumentHelp("Schema holding the raw *_updates tables (default: the one schema of the database that holds them).", valueName: "S"))
    var sourceSchema: String?

    @Option(help: ArgumentHelp("Schema for the current-state tables (default: the source schema).", valueName: "T"))
    var targetSchema: String?

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        try Console.guarded {
            let url = URL(fileURLWithPath: config)
            if FileManager.default.fileExists(atPath: url.path) && !force {
                throw ConfigError("\(url.path) already exists; pass --force to overwrite it")
            }
            let written = try database.map(Self.withoutSecret)
            let source = try sourceSchema ?? discoveredSourceSchema(configFolder: url.deletingLastPathComponent())
            do {
                try Data(ConfigTemplate.text(database: written, sourceSchema: source, targetSchema: targetSchema).utf8).write(to: url, options: .atomic)
            } catch {
                throw ConfigError("cannot write \(url.path): \(error.localizedDescription)")
            }
            Console.out("wrote \(url.path)")
            if let database, written != database {
                Console.notice("note: the password is not written to \(url.lastPathComponent), a file others may read: libpq takes it from PGPASSWORD or ~/.pgpass")
            }
            return 0
        }
    }

    /// `database` as `idhealth.yml` may hold it: a PostgreSQL string without its password
    /// (libpq finds it in `PGPASSWORD` or `~/.pgpass`). Another kind of string with a secret
    /// in it is refused: it has no such place, and a dbt profile's `env_var()` does.
    static func withoutSecret(_ database: String) throws -> String {
        let location = try DatabaseLocation(database)
        guard location.holdsSecret else { return database }
        if case .postgres(let conninfo) = location.kind {
            return PostgresConnectionString.withoutPassword(conninfo)
        }
        throw ConfigError("--database holds a password or token, which idhealth.yml (a plain file others may read) must not: run `idhealth init` without --database and give --database on each command, or use a dbt profile whose env_var() reads the secret from the environment")
    }

    /// The one schema of `--database` that holds `id_graph_updates`; nil (the engine's default)
    /// when there is no database, or none holds it yet. Several are ambiguous: exit 2.
    func discoveredSourceSchema(configFolder: URL) throws -> String? {
        guard let database else { return nil }
        var location = try DatabaseLocation(database)
        if case .sqlite(let path) = location.kind {
            let file = URL(fileURLWithPath: path, relativeTo: configFolder).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: file) else {
                Console.notice("note: \(file) does not exist yet; source_schema left at its default (main)")
                return nil
            }
            location = try DatabaseLocation("sqlite:" + file)
        }
        let connection: any Database
        do {
            connection = try location.connect(create: false)
        } catch let error as ClassifiedError where error.kind == .database {
            Console.notice("warning: could not look for the raw tables (\(error.description)); source_schema left at its default")
            return nil
        }
        let found = try connection.schemas(holding: TableName.idGraphUpdates)
        switch found.count {
        case 0:
            Console.notice("note: no schema in \(connection.target) holds \(TableName.idGraphUpdates) yet; source_schema left at its default (\(connection.dialect.defaultSchema))")
            return nil
        case 1:
            Console.out("found \(TableName.idGraphUpdates) in schema \(found[0])")
            return found[0]
        default:
            throw ConfigError("several schemas in \(connection.target) hold \(TableName.idGraphUpdates): \(found.joined(separator: ", ")); pass --source-schema to choose one")
        }
    }
}
