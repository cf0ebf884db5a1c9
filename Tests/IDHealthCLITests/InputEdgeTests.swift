import Foundation
import Testing
@testable import IDHealthSQL
@testable import IDHealthChecks

/// The mistakes and odd data a nightly job meets: each gets the exit status it deserves and a
/// message naming what is wrong, and no value, however long or strange, breaks a report.
@Suite("Odd input")
struct InputEdgeTests {
    typealias Place = AtomicityTests.Place

    func json(_ url: URL) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    func check(_ report: JSONValue, _ id: String) -> JSONValue? {
        guard case .array(let checks)? = report["checks"] else { return nil }
        return checks.first { $0["id"] == .string(id) }
    }

    /// Generated and materialized demo data, with one custom check file in `checks/`.
    func materializedWithCheck(_ place: Place, file: String, _ text: String) throws {
        try place.generate(profiles: 50)
        #expect(try place.materialize(["--mode", "table"]).status == 0)
        let checks = place.directory.appendingPathComponent("checks")
        try FileManager.default.createDirectory(at: checks, withIntermediateDirectories: true)
        try text.write(to: checks.appendingPathComponent(file), atomically: true, encoding: .utf8)
    }

    @Test("a column idhealth cannot reach by its name is exit 2 naming it (PostgreSQL: \"Seq\" is not seq)", arguments: CLI.engines)
    func columnCase(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try place.generate(profiles: 50)
            try place.database.execute("ALTER TABLE \(table: QualifiedName(place.schema, "id_graph_updates")) RENAME COLUMN seq TO \(ident: "Seq")")
            let output = try place.materialize(["--mode", "table"])
            switch engine {
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                #expect(output.status == 2, "\(output.stderr)")
                #expect(output.stderr.contains("has no column seq") && output.stderr.contains("case-sensitive"), "\(output.stderr)")
            case .sqlite:
                // SQLite compares column names without case: "Seq" is seq.
                #expect(output.status == 0, "\(output.stderr)")
            }
        }
    }

    @Test("check asks of the raw tables what materialize does: a renamed seq is exit 2 naming it, no report; a missing raw table is each check's skip, drift's too", arguments: CLI.engines)
    func checkRawShape(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try place.generate(profiles: 50)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            try place.database.execute("ALTER TABLE \(table: QualifiedName(place.schema, "id_graph_updates")) RENAME COLUMN seq TO seq_renamed")
            let renamed = try CLI.run(["check"] + place.arguments(["--output", "renamed"]), in: place.directory)
            #expect(renamed.status == 2, "\(renamed.stderr)")
            #expect(renamed.stderr.contains("id_graph_updates has no column seq"), "\(renamed.stderr)")
            #expect(!FileManager.default.fileExists(atPath: place.directory.appendingPathComponent("renamed").path), "nothing written")
            try place.database.execute("ALTER TABLE \(table: QualifiedName(place.schema, "id_graph_updates")) RENAME COLUMN seq_renamed TO seq")

            try place.database.execute("DROP TABLE \(table: QualifiedName(place.schema, "external_id_mapping_updates"))")
            let missing = try CLI.run(["check"] + place.arguments(["--output", "missing", "--format", "json"]), in: place.directory)
            #expect(missing.status == 1, "the checks that could run judge the data: \(missing.stderr)")
            let report = try json(place.directory.appendingPathComponent("missing/identity-health.json"))
            #expect(check(report, "materialization_drift")?["status"] == .string("skipped"), "\(String(describing: check(report, "materialization_drift")))")
            #expect(check(report, "external_id_hash")?["status"] == .string("skipped"))
        }
    }

    @Test("a refused run writes nothing, not even the target schema", arguments: CLI.engines)
    func refusedRunCreatesNoSchema(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            let target = engine == .sqlite ? "elsewhere" : place.schema + "_ref"
            let output = try CLI.run(["materialize"] + place.arguments(["--mode", "table"], target: target), in: place.directory)
            #expect(output.status == 2, "no raw tables: \(output.stderr)")
            switch engine {
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                #expect(try place.database.scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname = \(bind: .text(target))").intValue == 0)
            case .sqlite:
                #expect(!FileManager.default.fileExists(atPath: place.location + ".elsewhere.sqlite"))
            }
        }
    }

    @Test("a key too long to index is exit 2 naming it where the engine has the limit", arguments: CLI.engines)
    func longKey(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try place.generate(profiles: 50)
            let long = String(repeating: "k", count: 10_000)
            try place.database.execute("""
                INSERT INTO \(table: QualifiedName(place.schema, "id_graph_updates")) (segment_id, canonical_segment_id, seq, "timestamp", uuid_ts)
                VALUES (\(bind: .text(long)), \(bind: .text(long)), 1, \(sql: .timestamp(bind: "2026-11-01 00:00:00")), \(sql: .timestamp(bind: "2026-11-01 00:00:00")))
                """)
            let output = try place.materialize(["--mode", "table"])
            switch engine {
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                #expect(output.status == 2, "\(output.stderr)")
                #expect(output.stderr.contains("key column segment_id is 10000 bytes long"), "\(output.stderr)")
            case .sqlite:
                #expect(output.status == 0, "\(output.stderr)")
            }
        }
    }

    @Test("a file that is not a database is exit 2")
    func notADatabase() throws {
        try CLI.withDirectory { directory in
            try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: directory.appendingPathComponent("passwd"))
            let output = try CLI.run(["check", "--database", "passwd", "--no-history"], in: directory)
            #expect(output.status == 2, "\(output.stderr)")
            #expect(output.stderr.contains("is not a SQLite database"), "\(output.stderr)")
            // Neither is a folder nor a device; nor a file an ODBC string names that is not there.
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder"), withIntermediateDirectories: true)
            for (database, says) in [("folder", "is a folder, not a SQLite database"), ("/dev/null", "is not a regular file, not a SQLite database"),
                                     ("odbc:Driver=SQLite3;Database=\(directory.path)/missing.sqlite", "SQLite database not found")] {
                let refused = try CLI.run(["check", "--database", database, "--no-history"], in: directory)
                #expect(refused.status == 2, "\(database): \(refused.stderr)")
                #expect(refused.stderr.contains(says), "\(refused.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing.sqlite").path), "the ODBC driver made no file")
        }
    }

    @Test("config mistakes are exit 2: a bad regular expression, a checks folder that is not there", arguments: CLI.engines)
    func configMistakes(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try place.generate(profiles: 50)
            let config = place.directory.appendingPathComponent("idhealth.yml")
            try "checks:\n  blocked_values:\n    extra_patterns: [\"^(unclosed\"]\n".write(to: config, atomically: true, encoding: .utf8)
            let pattern = try CLI.run(["check"] + place.arguments(["--no-history"]), in: place.directory)
            #expect(pattern.status == 2, "\(pattern.stderr)")
            #expect(pattern.stderr.contains("idhealth.yml:3") && pattern.stderr.contains("is not a regular expression"), "\(pattern.stderr)")
            try "checks_folder: my-checks\n".write(to: config, atomically: true, encoding: .utf8)
            let folder = try CLI.run(["check"] + place.arguments(["--no-history"]), in: place.directory)
            #expect(folder.status == 2, "\(folder.stderr)")
            #expect(folder.stderr.contains("my-checks is not a folder"), "\(folder.stderr)")
            #expect(!FileManager.default.fileExists(atPath: place.directory.appendingPathComponent("reports").path), "no report for a run that could not run")
        }
    }

    @Test("a custom check without a usable header keeps a valid id; a check that lacks a table or column is skipped, not an error", arguments: CLI.engines)
    func skipsAndIDs(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try materializedWithCheck(place, file: "My Check-1.sql", "-- title: no id\nSELECT 1")
            try place.database.execute("ALTER TABLE \(table: QualifiedName(place.schema, "profile_traits_updates")) RENAME COLUMN uuid_ts TO landed_at")
            let reports = place.directory.appendingPathComponent("out")
            let output = try CLI.run(["check"] + place.arguments(["--output", "out", "--no-history"]), in: place.directory)
            var report = try json(reports.appendingPathComponent("identity-health.json"))
            #expect(check(report, "my_check_1")?["status"] == .string("error"), "the broken custom check errs under a valid id")
            #expect(check(report, "freshness")?["status"] == .string("skipped"))
            #expect(check(report, "freshness")?["message"]?.stringValue?.contains("profile_traits_updates has no uuid_ts column") == true,
                    "\(String(describing: check(report, "freshness")?["message"]))")
            _ = try ReportValidation.validate(reports)
            #expect(output.status == 3, "the broken custom check is an error: \(output.stderr)")

            try place.database.execute("DROP TABLE \(table: QualifiedName(place.schema, "external_id_mapping_updates"))")
            _ = try CLI.run(["check"] + place.arguments(["--select", "merge_fan_in", "--output", "out", "--no-history"]), in: place.directory)
            report = try json(reports.appendingPathComponent("identity-health.json"))
            #expect(check(report, "merge_fan_in")?["status"] != .string("error") && check(report, "merge_fan_in")?["status"] != .string("skipped"), "fan-in needs only id_graph")
            #expect(check(report, "merge_fan_in")?["value"]?.intValue != nil)
            #expect(check(report, "merge_fan_in")?["details"]?["likely_causes_not_computed"] != nil)
            _ = try ReportValidation.validate(reports)
        }
    }

    @Test("sample values are capped, control characters shown, not passed on", arguments: CLI.engines)
    func sampleValues(engine: Dialect.Engine) throws {
        try Place.with(engine) { place in
            try materializedWithCheck(place, file: "big.sql", """
                -- id: big_values
                -- severity: warn
                SELECT segment_id, \(engine == .sqlite ? "replace(hex(zeroblob(250000)), '00', 'xy')" : "repeat('xy', 250000)") AS email, 'bell\u{07}esc\u{1B}[31mred' AS note
                FROM {{target.id_graph}} ORDER BY segment_id LIMIT 3
                """)
            let output = try CLI.run(["check"] + place.arguments(["--select", "big_values", "--output", "out", "--no-history", "--show-values"]), in: place.directory)
            #expect(output.status == 0, "\(output.stderr)")
            let reports = place.directory.appendingPathComponent("out")
            for file in ["identity-health.md", "identity-health.json", "identity-health.junit.xml", "identity-health.html"] {
                let size = try FileManager.default.attributesOfItem(atPath: reports.appendingPathComponent(file).path)[.size] as? Int ?? 0
                #expect(size < 100_000, "\(file) is \(size) bytes")
            }
            let report = try json(reports.appendingPathComponent("identity-health.json"))
            guard case .array(let samples)? = check(report, "big_values")?["samples"] else { Issue.record("no samples"); return }
            let email = samples.first?["email"]?.stringValue ?? ""
            #expect(email.hasSuffix("… (500000 characters)"), "\(email.suffix(40))")
            for file in ["identity-health.md", "identity-health.html"] {
                let text = try String(contentsOf: reports.appendingPathComponent(file), encoding: .utf8)
                #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"), "\(file) holds raw control characters")
                #expect(text.contains("bell\\x07esc\\x1b[31mred"), "\(file) shows them")
            }
        }
    }

    @Test("PostgreSQL: a time or seq column of another type (text from a CSV load) is exit 2 naming it, before anything is written")
    func columnTypes() throws {
        try Place.with(.postgres) { place in
            try place.generate(profiles: 50)
            let graph = QualifiedName(place.schema, TableName.idGraphUpdates)
            let traits = QualifiedName(place.schema, TableName.profileTraitsUpdates)
            try place.database.execute("ALTER TABLE \(table: graph) ALTER COLUMN uuid_ts TYPE text USING uuid_ts::text")
            let target = place.schema + "_types"
            defer { _ = try? place.database.execute("DROP SCHEMA IF EXISTS \(ident: target) CASCADE") }
            for command in ["run", "materialize", "check"] {
                let output = try CLI.run([command] + place.arguments(command == "materialize" ? [] : ["--output", "out-\(command)"],
                                                                  target: command == "check" ? place.schema : target), in: place.directory)
                #expect(output.status == 2, "\(command): \(output.stderr)")
                #expect(output.stderr.contains("table \(place.schema).id_graph_updates: column uuid_ts is text, but idhealth uses it as a time (hours since, days before) and needs timestamp, timestamp with time zone or date"),
                        "\(command): \(output.stderr)")
                #expect(!FileManager.default.fileExists(atPath: place.directory.appendingPathComponent("out-\(command)").path), "\(command) wrote reports")
            }
            #expect(try !place.database.schemaExists(target), "the refused run created its target schema")

            try place.database.execute("ALTER TABLE \(table: graph) ALTER COLUMN uuid_ts TYPE timestamp USING uuid_ts::timestamp")
            try place.database.execute("ALTER TABLE \(table: traits) ALTER COLUMN seq TYPE text USING seq::text")
            let output = try CLI.run(["run"] + place.arguments(["--output", "out"], target: target), in: place.directory)
            #expect(output.status == 2, "\(output.stderr)")
            #expect(output.stderr.contains("column seq is text, but idhealth uses it to order rows (the latest seq wins) and needs an integer or numeric type"), "\(output.stderr)")

            try place.database.execute("ALTER TABLE \(table: traits) ALTER COLUMN seq TYPE bigint USING seq::bigint")
            #expect(try CLI.run(["run"] + place.arguments(["--output", "out"], target: target), in: place.directory).status == 1, "typed again, the run goes through")
        }
    }

    @Test("a long check id and wide values fit: the console shows the whole id, the HTML page keeps its width")
    func wideOutput() throws {
        try Place.with(.sqlite) { place in
            try materializedWithCheck(place, file: "wide.sql", """
                -- id: profiles_without_any_identifier_at_all
                -- severity: warn
                SELECT segment_id, replace(hex(zeroblob(150)), '00', 'wide') AS a_very_long_value_column_name_that_does_not_wrap,
                       replace(hex(zeroblob(150)), '00', 'more') AS another_long_value_without_spaces
                FROM {{target.id_graph}} ORDER BY segment_id LIMIT 3
                """)
            // The external id shared by the injected super-profile becomes 300 characters without
            // a space: the likely-causes table shows it (capped at 200) with --show-values.
            let mappings = QualifiedName(place.schema, TableName.externalIDMappingUpdates)
            try place.database.execute("""
                UPDATE \(table: mappings) SET external_id_value = external_id_value || replace(hex(zeroblob(150)), '00', 'xy')
                WHERE external_id_value IN (SELECT external_id_value FROM \(table: mappings) GROUP BY external_id_value HAVING COUNT(*) > 20)
                """)
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let output = try CLI.run(["check"] + place.arguments(["--select", "profiles_without_any_identifier_at_all,merge_fan_in,duplicate_rows",
                                                                  "--output", "out", "--no-history", "--show-values"]), in: place.directory)
            #expect(output.status == 1, "merge_fan_in fails on the injected super-profile: \(output.stderr)")
            let lines = output.stdout.split(separator: "\n").filter { $0.hasPrefix("  warn") || $0.hasPrefix("  pass") || $0.hasPrefix("  fail") }
            #expect(lines.count == 3)
            #expect(lines.contains { $0.contains(" profiles_without_any_identifier_at_all ") }, "\(output.stdout)")
            let html = place.directory.appendingPathComponent("out/identity-health.html")
            #expect(try ReportValidation.overflowPixels(html) == 0)
        }
    }

    @Test("SQLite: a value with a NUL or invalid UTF-8 is stored and hashed as its bytes")
    func bytes() throws {
        try Place.with(.sqlite) { place in
            try place.generate(profiles: 50, anomalies: "none")
            let mapping = QualifiedName(place.schema, "external_id_mapping_updates")
            let nul = "a\u{0}b@example.com"
            try place.database.execute("""
                INSERT INTO \(table: mapping) (id, segment_id, external_id_type, external_id_value, external_id_hash, "timestamp", uuid_ts, seq)
                VALUES ('nul', 'use_nul', 'email', \(bind: .text(nul)), \(bind: .text(SHA1Hex.digest("email" + nul))), '2026-11-01 00:00:00', '2026-11-01 00:00:00', 1)
                """)
            // Invalid UTF-8: the bytes 61 FF 62, hashed by whoever wrote them over the bytes.
            let invalid: [UInt8] = Array("email".utf8) + [0x61, 0xFF, 0x62]
            try place.database.execute("""
                INSERT INTO \(table: mapping) (id, segment_id, external_id_type, external_id_value, external_id_hash, "timestamp", uuid_ts, seq)
                VALUES ('bad', 'use_bad', 'email', CAST(X'61FF62' AS TEXT), \(bind: .text(SHA1Hex.digest(bytes: invalid))), '2026-11-01 00:00:00', '2026-11-01 00:00:00', 2)
                """)
            #expect(try place.database.scalar("SELECT length(CAST(external_id_value AS BLOB)) FROM \(table: mapping) WHERE id = 'nul'").intValue == Int64(nul.utf8.count))
            #expect(try place.materialize(["--mode", "table"]).status == 0)
            let output = try CLI.run(["check"] + place.arguments(["--select", "external_id_hash", "--output", "out", "--no-history"]), in: place.directory)
            #expect(output.status == 0, "both hashes are right: \(output.stdout)")
        }
    }
}
