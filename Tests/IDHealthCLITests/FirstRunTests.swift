import Foundation
import Testing
@testable import IDHealthSQL

/// What a new user meets first: the wrong schema, a forgotten one, `init` on their own
/// database. A gate must never pass on tables it did not find, and a check never creates a
/// schema.
@Suite("First run")
struct FirstRunTests {
    typealias Place = AtomicityTests.Place

    /// The raw tables generated into schema `raw`, which is not the engine's default.
    func generateIntoRaw(_ place: Place) throws -> String {
        let raw = place.d.engine == .sqlite ? "raw" : place.schema
        let output = try CLI.run(["generate", "--database", place.location, "--source-schema", raw, "--profiles", "50"], in: place.directory)
        #expect(output.status == 0, "\(output.stderr)")
        return raw
    }

    /// Whether `check` left anything behind: a report folder, a history table, a schema.
    func leftNothing(_ place: Place, schema: String) throws {
        #expect(!FileManager.default.fileExists(atPath: place.directory.appendingPathComponent("reports").path), "a report was written")
        switch place.d.engine {
        case .postgres, .redshift, .snowflake, .bigquery, .databricks:
            #expect(try place.database.scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname = \(bind: .text(schema))").intValue == 0, "schema \(schema) was created")
            #expect(try place.database.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'idhealth_check_results'").intValue == 0)
        case .sqlite:
            #expect(!FileManager.default.fileExists(atPath: place.location + "." + schema + ".sqlite"), "schema \(schema) was created")
            #expect(try place.database.tableExists(QualifiedName("main", "idhealth_check_results")) == false)
        }
    }

    @Test("a source schema without the raw tables is exit 2 naming where they are; nothing is written", arguments: CLI.engines)
    func wrongSourceSchema(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            let raw = try generateIntoRaw(place)
            let output = try CLI.run(["check", "--database", place.location], in: place.directory)
            #expect(output.status == 2, "\(output.stdout)\(output.stderr)")
            let schema = place.d.defaultSchema
            #expect(output.stderr.contains("source schema \(schema) holds none of the raw tables"), "\(output.stderr)")
            #expect(output.stderr.contains("schemas here that hold id_graph_updates: ") && output.stderr.contains(raw), "\(output.stderr)")
            try leftNothing(place, schema: "nothing")
        }
    }

    @Test("a target schema that does not exist is exit 2, and check does not create it", arguments: CLI.engines)
    func missingTargetSchema(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            let raw = try generateIntoRaw(place)
            let typo = engine == .sqlite ? "identty" : place.schema + "_identty"
            let output = try CLI.run(["check", "--database", place.location, "--source-schema", raw, "--target-schema", typo], in: place.directory)
            #expect(output.status == 2, "\(output.stdout)\(output.stderr)")
            #expect(output.stderr.contains("target schema \(typo) does not exist"), "\(output.stderr)")
            try leftNothing(place, schema: typo)
        }
    }

    @Test("a run in which every selected check was skipped is no pass: exit 2 for missing tables, with the reasons", arguments: CLI.engines)
    func everythingSkipped(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            let raw = try generateIntoRaw(place)
            let output = try CLI.run(["check", "--database", place.location, "--source-schema", raw, "--select", "merge_fan_in,materialization_drift"], in: place.directory)
            #expect(output.status == 2, "\(output.stdout)\(output.stderr)")
            #expect(output.stderr.contains("nothing was checked"), "\(output.stderr)")
            #expect(output.stderr.contains("merge_fan_in: table \(raw).id_graph not found"), "\(output.stderr)")
            try leftNothing(place, schema: "nothing")
        }
    }

    @Test("every selected check skipped because the database cannot run it is exit 3")
    func everythingUnsupported() throws {
        let url = try #require(ProcessInfo.processInfo.environment["IDHEALTH_TEST_POSTGRES_NOCRYPTO"], "run the tests with scripts/test.sh")
        try CLI.withDirectory { directory in
            let schema = "first_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            let database = try PostgresDatabase(conninfo: url)
            defer { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE") }
            #expect(try CLI.run(["generate", "--database", url, "--source-schema", schema, "--profiles", "50"], in: directory).status == 0)
            let output = try CLI.run(["check", "--database", url, "--source-schema", schema, "--select", "external_id_hash", "--no-history"], in: directory)
            #expect(output.status == 3, "\(output.stdout)\(output.stderr)")
            #expect(output.stderr.contains("external_id_hash: ") && output.stderr.contains("pgcrypto"), "\(output.stderr)")
        }
    }

    /// A PostgreSQL database of its own, so the schemas `init` finds are only the test's.
    static func withOwnDatabase(_ body: (String, any Database) throws -> Void) throws {
        let url = try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
        let name = "init_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = try PostgresDatabase(conninfo: url)
        try admin.execute("CREATE DATABASE \(ident: name)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)") }
        let own = String(url[..<url.lastIndex(of: "/")!]) + "/" + name
        try body(own, try PostgresDatabase(conninfo: own))
    }

    @Test("init finds the schema that holds the raw tables, takes --source-schema and --target-schema, refuses to guess between two")
    func initFindsSchema() throws {
        try Self.withOwnDatabase { url, database in
            try CLI.withDirectory { directory in
                #expect(try CLI.run(["generate", "--database", url, "--source-schema", "profiles_sync", "--profiles", "50"], in: directory).status == 0)
                let found = try CLI.run(["init", "--database", url], in: directory)
                #expect(found.status == 0, "\(found.stderr)")
                let text = try String(contentsOf: directory.appendingPathComponent("idhealth.yml"), encoding: .utf8)
                #expect(text.contains("\nsource_schema: \"profiles_sync\"\n"), "\(text)")
                // The README's flow: init, then the commands with no schema flags (the password
                // from where libpq looks for it: init does not write it).
                let password = ["PGPASSWORD": URLComponents(string: url)?.password ?? ""]
                #expect(try CLI.run(["materialize"], in: directory, environment: password).status == 0)
                #expect(try CLI.run(["check"], in: directory, environment: password).status == 1, "the generated anomalies fail the gate")

                let chosen = try CLI.run(["init", "--force", "--database", url, "--source-schema", "raw", "--target-schema", "identity"], in: directory)
                #expect(chosen.status == 0, "\(chosen.stderr)")
                let again = try String(contentsOf: directory.appendingPathComponent("idhealth.yml"), encoding: .utf8)
                #expect(again.contains("\nsource_schema: \"raw\"\n") && again.contains("\ntarget_schema: \"identity\"\n"), "\(again)")

                try database.execute("CREATE SCHEMA other")
                try database.execute("CREATE TABLE other.id_graph_updates (segment_id TEXT)")
                let ambiguous = try CLI.run(["init", "--force", "--database", url], in: directory)
                #expect(ambiguous.status == 2)
                #expect(ambiguous.stderr.contains("several schemas") && ambiguous.stderr.contains("other, profiles_sync"), "\(ambiguous.stderr)")
            }
        }
    }

    @Test("init never writes a password: a PostgreSQL one is left out (libpq reads PGPASSWORD), another kind of secret is refused")
    func initWithoutPassword() throws {
        try Self.withOwnDatabase { url, _ in
            let parts = try #require(URLComponents(string: url))
            let password = try #require(parts.password, "the test server's URL carries a password")
            try CLI.withDirectory { directory in
                #expect(try CLI.run(["generate", "--database", url, "--profiles", "50"], in: directory).status == 0)
                let written = try CLI.run(["init", "--database", url], in: directory)
                #expect(written.status == 0, "\(written.stderr)")
                #expect(written.stderr.contains("the password is not written") && written.stderr.contains("PGPASSWORD"), "\(written.stderr)")
                let text = try String(contentsOf: directory.appendingPathComponent("idhealth.yml"), encoding: .utf8)
                #expect(!text.contains(password), "\(text)")
                #expect(text.contains("database: \"postgresql://\(parts.user ?? "")@"), "\(text)")
                // The file works once the password comes from where libpq looks for it.
                #expect(try CLI.run(["materialize"], in: directory, environment: ["PGPASSWORD": password]).status == 0)

                let keywords = try CLI.run(["init", "--force", "--database", "host=\(parts.host ?? "") port=\(parts.port ?? 5432) user=\(parts.user ?? "") password='\(password)' dbname=\(parts.path.dropFirst())"], in: directory)
                #expect(keywords.status == 0, "\(keywords.stderr)")
                #expect(try !String(contentsOf: directory.appendingPathComponent("idhealth.yml"), encoding: .utf8).contains(password))
            }
        }
        try CLI.withDirectory { directory in
            let refused = try CLI.run(["init", "--database", "snowflake://u:S3cretSF@account/db"], in: directory)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains("holds a password or token") && !refused.stderr.contains("S3cretSF"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("idhealth.yml").path), "nothing written")
        }
    }

    @Test("init on a SQLite file records main when the raw tables are there")
    func initSQLite() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "g.sqlite", "--profiles", "50"], in: directory).status == 0)
            #expect(try CLI.run(["init", "--database", "g.sqlite"], in: directory).status == 0)
            let text = try String(contentsOf: directory.appendingPathComponent("idhealth.yml"), encoding: .utf8)
            #expect(text.contains("\nsource_schema: \"main\"\n"), "\(text)")
        }
    }
}
