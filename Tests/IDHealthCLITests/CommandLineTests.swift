import Foundation
import Testing
import IDHealthKit
import IDHealthSQL
import IDHealthChecks
import IDHealthGenerate

/// The built binary, end to end: stdout, stderr and exit statuses (docs/command-line.md).
@Suite("Command line")
struct CommandLineTests {
    func json(_ url: URL) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    @Test("demo writes reports that show the injected anomalies, and exits 0")
    func demo() throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(["demo", "--dir", "demo", "--profiles", "1000"], in: directory)
            #expect(output.status == 0, "\(output.stderr)")
            let reports = directory.appendingPathComponent("demo/reports")
            let markdown = try String(contentsOf: reports.appendingPathComponent("identity-health.md"), encoding: .utf8)
            #expect(markdown.hasPrefix("# Identity health: ❌ 5 failures, 4 warnings"))
            #expect(markdown.contains("| Broken merge chains (`merge_chains`) | ❌ fail | 9 |"))
            #expect(markdown.contains("| Merge fan-in and super-profiles (`merge_fan_in`) | ❌ fail | 2 |"))
            let report = try json(reports.appendingPathComponent("identity-health.json"))
            let truth = try GenerationTruth.decode(Data(contentsOf: directory.appendingPathComponent("demo/truth.json")))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            #expect(checks.count == 11)
            for (id, value) in truth.expected.values {
                let check = try #require(checks.first { $0["id"] == .string(id) })
                #expect(check["value"] == .integer(Int64(value)), "\(id)")
                #expect(check["status"] == .string(truth.expected.statuses[id] ?? "?"), "\(id)")
                #expect(markdown.contains("(`\(id)`)"), "\(id)")
            }
            #expect(checks.first { $0["id"] == .string("freshness") }?["status"] == .string("pass"))
            let junit = try ReportValidation.validate(reports)
            #expect(junit == .init(cases: 11, failures: 5, errors: 0, skipped: 0))

            // The HTML renders in a real browser, self-contained, with its charts.
            let html = try String(contentsOf: reports.appendingPathComponent("identity-health.html"), encoding: .utf8)
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
            #expect(!html.contains("https://"))
            let dom = try ReportValidation.renderHTML(reports.appendingPathComponent("identity-health.html"))
            #expect(dom.contains("Identity health: 5 failures, 4 warnings"))
            #expect(dom.components(separatedBy: "<figure class=\"chart\">").count - 1 == 3)
            #expect(dom.contains("Merges per day"))
            #expect(dom.contains("id=\"merge_chains\""))
            #expect(output.stdout.contains("reports:"))
            #expect(!output.stdout.contains("…"))  // no progress lines on a pipe

            // The "again:" command works as printed from another folder, with idhealth not on
            // PATH (as after `swift run`); it judges freshness as of now, as the demo says.
            let again = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("  again:") })
            let command = again.dropFirst("  again:".count).trimmingCharacters(in: .whitespaces)
            #expect(command.hasPrefix(CLI.binary.path + " run --config "), "\(command)")
            #expect(output.stdout.contains("a run judges it as of now, so freshness warns"))
            let elsewhere = directory.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            let rerun = try CLI.run(["-c", command], in: elsewhere, environment: ["PATH": "/usr/bin:/bin"], executable: URL(fileURLWithPath: "/bin/sh"))
            #expect(rerun.status == 1, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("  warn    freshness "), "\(rerun.stdout)")
        }
    }

    @Test("generate, then run: exit 1 with anomalies, 0 without")
    func exitStatuses() throws {
        try CLI.withDirectory { directory in
            let generate = try CLI.run(["generate", "--database", "bad.sqlite", "--profiles", "300", "--truth", "truth.json"], in: directory)
            #expect(generate.status == 0, "\(generate.stderr)")
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("truth.json").path))
            let run = try CLI.run(["run", "--database", "bad.sqlite", "--output", "out"], in: directory)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(try ReportValidation.validate(directory.appendingPathComponent("out")).cases == 11)
            // --fail-on warn turns warnings into JUnit failures and exit 1.
            let strict = try CLI.run(["check", "--database", "bad.sqlite", "--output", "strict", "--fail-on", "warn", "--no-history"], in: directory)
            #expect(strict.status == 1)
            let counts = try ReportValidation.validate(directory.appendingPathComponent("strict"))
            #expect(counts.failures > 5)

            #expect(try CLI.run(["generate", "--database", "good.sqlite", "--profiles", "300", "--anomalies", "none"], in: directory).status == 0)
            let clean = try CLI.run(["run", "--database", "good.sqlite", "--output", "good", "--format", "json"], in: directory)
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("good/identity-health.md").path))
            #expect(try ReportValidation.validate(directory.appendingPathComponent("good")).cases == -1)
            let check = try CLI.run(["check", "--database", "bad.sqlite", "--select", "merge_fan_in", "--output", "x"], in: directory)
            #expect(check.status == 1)
            #expect(check.stdout.contains("merge_fan_in"))
            #expect(!check.stdout.contains("merge_chains"))
        }
    }

    @Test("materialize says what it did in each mode; the checks run on views too")
    func materializeModes() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "m.sqlite", "--profiles", "300"], in: directory).status == 0)
            let first = try CLI.run(["materialize", "--database", "m.sqlite"], in: directory)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("(mode: incremental, full rebuild: first run: no successful materialization in main.idhealth_runs; traits.nulls: keep_last_value; run "))
            #expect(first.stdout.contains("table                    written   deleted    rows now     time"))
            let graphLine = try #require(first.stdout.split(separator: "\n").first { $0.hasPrefix("  id_graph ") })
            let columns = graphLine.split(separator: " ")
            #expect(columns[1] == columns[3], "a full rebuild writes every row: \(graphLine)")
            #expect(first.stdout.contains("resolved all segment_ids: terminal "))

            let second = try CLI.run(["materialize", "--database", "m.sqlite"], in: directory)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("(mode: incremental; traits.nulls: keep_last_value; run "))
            #expect(second.stdout.contains("  re-resolved "))
            // Only the rows of the last two hours (the overlap) are read again.
            let read = try #require(second.stdout.split(separator: "\n").first { $0.contains("read: id_graph_updates") })
            let graphRead = Int(read.split(separator: " ")[2].replacingOccurrences(of: ",", with: "")) ?? -1
            #expect((1..<50).contains(graphRead), "\(read)")

            let views = try CLI.run(["materialize", "--database", "m.sqlite", "--mode", "view"], in: directory)
            #expect(views.status == 0, "\(views.stderr)")
            #expect(views.stdout.contains("created views id_graph, external_id_mapping, profile_traits over main's raw tables (15 trait columns)"))
            let check = try CLI.run(["check", "--database", "m.sqlite", "--output", "out", "--format", "json"], in: directory)
            #expect(check.status == 1, "the generated anomalies fail, on views as on tables: \(check.stderr)")
            let report = try json(directory.appendingPathComponent("out/identity-health.json"))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            #expect(checks.first { $0["id"] == .string("materialization_drift") }?["status"] == .string("pass"))
            #expect(checks.first { $0["id"] == .string("merge_chains") }?["status"] == .string("fail"))
        }
    }

    @Test("a second run shows the trend; --no-history records nothing")
    func history() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "h.sqlite", "--profiles", "200"], in: directory).status == 0)
            #expect(try CLI.run(["run", "--database", "h.sqlite", "--output", "first"], in: directory).status == 1)
            let first = try json(directory.appendingPathComponent("first/identity-health.json"))
            guard case .array(let firstChecks)? = first["checks"] else { Issue.record("no checks"); return }
            #expect(firstChecks.allSatisfy { $0["previous"] == .null })

            let second = try CLI.run(["check", "--database", "h.sqlite", "--output", "second"], in: directory)
            #expect(second.status == 1)
            let report = try json(directory.appendingPathComponent("second/identity-health.json"))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            let chains = try #require(checks.first { $0["id"] == .string("merge_chains") })
            #expect(chains["previous"]?["value"] == .integer(9))
            #expect(chains["previous"]?["status"] == .string("fail"))
            let html = try String(contentsOf: directory.appendingPathComponent("second/identity-health.html"), encoding: .utf8)
            #expect(html.contains("merge_chains over the last 2 runs"))
            let markdown = try String(contentsOf: directory.appendingPathComponent("second/identity-health.md"), encoding: .utf8)
            #expect(markdown.contains("| Broken merge chains (`merge_chains`) | ❌ fail | 9 | unchanged |"))
            let database = try IDHealthSQL.SQLiteDatabase(path: directory.appendingPathComponent("h.sqlite").path, create: false)
            #expect(try database.scalar("SELECT COUNT(DISTINCT run_id) FROM idhealth_check_results").intValue == 2)
            #expect(try database.scalar("SELECT COUNT(*) FROM idhealth_check_results").intValue == 22)

            for folder in ["first", "second"] {
                #expect(try ReportValidation.validate(directory.appendingPathComponent(folder)).cases == 11)
            }
            #expect(try CLI.run(["check", "--database", "h.sqlite", "--output", "third", "--no-history"], in: directory).status == 1)
            #expect(try database.scalar("SELECT COUNT(DISTINCT run_id) FROM idhealth_check_results").intValue == 2)
        }
    }

    @Test("under GitHub Actions: the step summary and annotations")
    func githubActions() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "g.sqlite", "--profiles", "200"], in: directory).status == 0)
            let summary = directory.appendingPathComponent("summary.md")
            try "earlier step\n".write(to: summary, atomically: true, encoding: .utf8)
            let output = try CLI.run(["run", "--database", "g.sqlite", "--output", "out"], in: directory,
                                     environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path])
            #expect(output.status == 1)
            let text = try String(contentsOf: summary, encoding: .utf8)
            #expect(text.hasPrefix("earlier step\n# Identity health: ❌"))
            let annotations = output.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
            #expect(annotations.count == 10)  // 5 failures and 5 warnings (freshness: the data ends in 2026-11-28), capped at ten
            #expect(annotations.first?.hasPrefix("::error title=idhealth ") == true)
            #expect(annotations.contains { $0.hasPrefix("::warning title=idhealth duplicate_rows::") })
            #expect(try ReportValidation.validate(directory.appendingPathComponent("out")).cases == 11)
        }
    }

    /// Creates a login role that may only read `schema`, and returns `url` for it.
    static func reader(_ role: String, password: String, of schema: String, at url: String, admin: any Database) throws -> String {
        try admin.execute("CREATE ROLE \(ident: role) LOGIN PASSWORD \(literal: .text(password))")
        try admin.execute("GRANT USAGE ON SCHEMA \(ident: schema) TO \(ident: role)")
        try admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA \(ident: schema) TO \(ident: role)")
        var components = try #require(URLComponents(string: url))
        components.user = role
        components.password = password
        return try #require(components.string)
    }

    @Test("a read-only PostgreSQL user still gets every report; the run is just not recorded")
    func readOnlyUser() throws {
        let url = try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        let schema = "ro_" + suffix, role = "reader_" + suffix, password = "pw" + suffix
        let admin = try PostgresDatabase(conninfo: url)
        defer {
            _ = try? admin.execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE")
            _ = try? admin.execute("DROP ROLE IF EXISTS \(ident: role)")
        }
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", url, "--source-schema", schema, "--profiles", "200"], in: directory).status == 0)
            #expect(try CLI.run(["materialize", "--database", url, "--source-schema", schema], in: directory).status == 0)
            let readerURL = try Self.reader(role, password: password, of: schema, at: url, admin: admin)
            let output = try CLI.run(["check", "--database", readerURL, "--source-schema", schema, "--output", "out"], in: directory)
            #expect(output.status == 1, "\(output.stderr)")
            #expect(output.stderr.contains("cannot record this run"))
            #expect(!output.stderr.contains(password))
            let report = try json(directory.appendingPathComponent("out/identity-health.json"))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            // The drift rebuild goes to the session's temporary tables, which a read-only user
            // may create: it runs too, and everything else ran.
            #expect(checks.first { $0["id"] == .string("materialization_drift") }?["status"] == .string("pass"))
            #expect(checks.filter { $0["status"] == .string("error") }.isEmpty)
            #expect(try ReportValidation.validate(directory.appendingPathComponent("out")).cases == 11)
            #expect(try !admin.tableExists(QualifiedName(schema, "idhealth_check_results")))
        }
    }

    @Test("a PostgreSQL user who may not create temporary tables gets the same findings; only the drift rebuild is skipped")
    func userWithoutTemporaryTables() throws {
        try FirstRunTests.withOwnDatabase { url, database in
            let name = String(url[url.index(after: url.lastIndex(of: "/")!)...])
            let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            let role = "notemp_" + suffix, password = "pw" + suffix
            defer { _ = try? database.execute("DROP OWNED BY \(ident: role)"); _ = try? database.execute("DROP ROLE IF EXISTS \(ident: role)") }
            try CLI.withDirectory { directory in
                #expect(try CLI.run(["generate", "--database", url, "--source-schema", "raw", "--profiles", "200"], in: directory).status == 0)
                #expect(try CLI.run(["materialize", "--database", url, "--source-schema", "raw"], in: directory).status == 0)
                let full = try CLI.run(["check", "--database", url, "--source-schema", "raw", "--output", "full", "--no-history"], in: directory)
                #expect(full.status == 1, "\(full.stderr)")
                try database.execute("REVOKE TEMPORARY ON DATABASE \(ident: name) FROM PUBLIC")
                let readerURL = try Self.reader(role, password: password, of: "raw", at: url, admin: database)
                let reader = try CLI.run(["check", "--database", readerURL, "--source-schema", "raw", "--output", "reader", "--no-history"], in: directory)
                #expect(reader.status == 1, "\(reader.stderr)")
                guard case .array(let expected)? = try json(directory.appendingPathComponent("full/identity-health.json"))["checks"],
                      case .array(let got)? = try json(directory.appendingPathComponent("reader/identity-health.json"))["checks"] else {
                    Issue.record("no checks")
                    return
                }
                for (want, have) in zip(expected, got) where want["id"] != .string("materialization_drift") {
                    #expect(have["status"] == want["status"] && have["value"] == want["value"], "\(want["id"]?.stringValue ?? "?")")
                    // freshness measures hours to the run's own clock: the two runs are seconds apart;
                    // each explain command names the user that ran the check.
                    let clockFree = { (samples: JSONValue?) -> JSONValue? in
                        guard case .array(let rows)? = samples else { return samples }
                        return .array(rows.map { row in
                            guard case .object(var fields) = row else { return row }
                            fields["hours_since"] = nil
                            fields["explain"] = nil
                            return .object(fields)
                        })
                    }
                    #expect(clockFree(have["samples"]) == clockFree(want["samples"]), "\(want["id"]?.stringValue ?? "?"): the same rows, worst first")
                }
                let drift = got.first { $0["id"] == .string("materialization_drift") }
                #expect(drift?["status"] == .string("skipped"), "\(String(describing: drift))")
            }
        }
    }

    @Test("usage errors exit 2", arguments: [
        ["check", "--no-such-flag"],
        ["check", "--select", "merge_chainz"],
        ["check", "--format", "pdf"],
        ["generate", "--profiles", "0", "--database", "x.sqlite"],
        ["nonsense"],
    ])
    func usageErrors(arguments: [String]) throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(arguments, in: directory)
            #expect(output.status == 2, "\(output.stderr)")
            #expect(!output.stderr.isEmpty)
            #expect(output.stdout.isEmpty)
        }
    }

    @Test("bad config, missing tables and unknown modes exit 2 and write nothing")
    func badInput() throws {
        try CLI.withDirectory { directory in
            let configured = directory.appendingPathComponent("configured")
            try FileManager.default.createDirectory(at: configured, withIntermediateDirectories: true)
            try "database: x.sqlite\nsample_sise: 3\n".write(to: configured.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let config = try CLI.run(["check"], in: configured)
            #expect(config.status == 2)
            #expect(config.stderr.contains("idhealth.yml:2: unknown key `sample_sise`"))
            #expect(!FileManager.default.fileExists(atPath: configured.appendingPathComponent("reports").path))

            let missing = try CLI.run(["materialize", "--database", "empty.sqlite", "--config", "none.yml"], in: directory)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("config file not found"))
            let noFile = try CLI.run(["materialize", "--database", "empty.sqlite"], in: directory)
            #expect(noFile.status == 2)
            #expect(noFile.stderr.contains("SQLite database not found"))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("empty.sqlite").path))
            FileManager.default.createFile(atPath: directory.appendingPathComponent("empty.sqlite").path, contents: nil)
            let noTables = try CLI.run(["materialize", "--database", "empty.sqlite"], in: directory)
            #expect(noTables.status == 2)
            #expect(noTables.stderr.contains("id_graph_updates not found"))

            #expect(try CLI.run(["generate", "--database", "d.sqlite", "--profiles", "50"], in: directory).status == 0)
            let mode = try CLI.run(["materialize", "--database", "d.sqlite", "--mode", "sideways"], in: directory)
            #expect(mode.status == 2)
            #expect(mode.stderr.contains("idhealth: The value 'sideways' is invalid for '--mode <mode>'. Please provide one of 'table', 'incremental' or 'view'."), "\(mode.stderr)")
            #expect(try CLI.run(["generate", "--database", "d.sqlite", "--profiles", "50"], in: directory).status == 2)
        }
    }

    @Test("run skips the drift rebuild when its materialization just rebuilt every table, and says what it compared")
    func driftAfterRebuild() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "d.sqlite", "--profiles", "200"], in: directory).status == 0)
            func drift(_ arguments: [String]) throws -> JSONValue? {
                let output = try CLI.run(arguments + ["--database", "d.sqlite", "--output", "out", "--select", "materialization_drift"], in: directory)
                #expect(output.status == 0, "\(arguments): \(output.stderr)")
                guard case .array(let checks)? = try json(directory.appendingPathComponent("out/identity-health.json"))["checks"] else { return nil }
                return checks.first
            }
            // A table-mode run, and an incremental run told to rebuild: nothing to compare.
            for arguments in [["run", "--mode", "table"], ["run", "--full-refresh"]] {
                let check = try drift(arguments)
                #expect(check?["value"] == .integer(0))
                #expect(check?["details"]?["compared"]?.stringValue?.hasPrefix("nothing: materialization ") == true, "\(arguments)")
                #expect(check?["queries"] == .array([]), "no rebuild ran")
            }
            // An incremental run that touched only new rows, and a plain check: a sample, here
            // every segment_id (fewer than the default 10,000) and 1,000 profiles.
            for arguments in [["run"], ["check"]] {
                let check = try drift(arguments)
                #expect(check?["value"] == .integer(0))
                let compared = check?["details"]?["compared"]?.stringValue ?? ""
                #expect(compared.hasPrefix("a random sample, each key rebuilt exactly from the raw history: "), "\(arguments): \(compared)")
                let sampled = check?["details"]?["sampled"]
                #expect((sampled?["id_graph"]?.intValue ?? 0) > 1_000)
                #expect(sampled?["profile_traits"] == .integer(1_000))
                #expect(compared.contains("1000 profiles of profile_traits"), "\(compared)")
                #expect(check?["queries"] != .array([]))
            }
            // `sample: all`: every key against a full rebuild.
            try "checks:\n  materialization_drift:\n    sample: all\n".write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let all = try drift(["check", "--config", "idhealth.yml"])
            #expect(all?["value"] == .integer(0))
            #expect(all?["details"]?["compared"] == .string("every key of id_graph, external_id_mapping, profile_traits against a full rebuild from the raw history"))
        }
    }

    @Test("help spells out usage, defaults and the values an option takes; every error starts `idhealth: `")
    func helpAndErrors() throws {
        try CLI.withDirectory { directory in
            let help = try CLI.run(["run", "--help"], in: directory)
            #expect(help.status == 0)
            #expect(!help.stdout.contains("<options>"), "\(help.stdout)")
            #expect(help.stdout.contains("USAGE: idhealth run [--config <FILE>] [--database <DB>]"))
            for option in ["--mode", "--full-refresh", "--lock-wait", "--select", "--format", "--output", "--fail-on", "--show-values", "--no-history",
                           "--explain-worst", "--as-of", "--as-of-field", "--notify-dry-run", "--fail-on-notify-error", "--dialect",
                           "--dbt-profile", "--dbt-target", "--profiles-dir", "--dbt-project"] {
                let named = help.stdout.components(separatedBy: "[\(option) ").count + help.stdout.components(separatedBy: "[\(option)]").count - 2
                #expect(named == 1, "the usage names \(option)")
            }
            let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.contains("(default: idhealth.yml in the current folder, when there is one)"))
            #expect(flat.contains("(values: md, json, junit, html; default: md,json,junit,html)"))
            #expect(flat.contains("(values: fail, warn; default: fail)"))
            #expect(flat.contains("(values: table, incremental, view)"))

            for arguments in [["check", "--format", "md,pdf"], ["check", "--fail-on", "never"], ["run", "--mode", "x"], ["check", "--bogus"],
                              ["check", "--database", "missing.sqlite"], ["materialize", "--config", "none.yml"]] {
                let output = try CLI.run(arguments, in: directory)
                #expect(output.status == 2, "\(arguments)")
                #expect(output.stderr.hasPrefix("idhealth: "), "\(arguments): \(output.stderr)")
                #expect(!output.stderr.contains("Error:"), "\(arguments): \(output.stderr)")
            }
            let format = try CLI.run(["check", "--format", "md,pdf"], in: directory)
            #expect(format.stderr.contains("The value 'md,pdf' is invalid for '--format <md,json,…>'. Please provide one of 'md', 'json', 'junit' or 'html'."), "\(format.stderr)")
        }
    }

    @Test("init writes a config that the other commands accept, and will not overwrite it")
    func initCommand() throws {
        try CLI.withDirectory { directory in
            let first = try CLI.run(["init", "--database", "local.sqlite"], in: directory)
            #expect(first.status == 0)
            #expect(try CLI.run(["init"], in: directory).status == 2)
            #expect(try CLI.run(["generate", "--profiles", "100"], in: directory).status == 0)
            #expect(try CLI.run(["run"], in: directory).status == 1)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("reports/identity-health.md").path))
            #expect(try ReportValidation.validate(directory.appendingPathComponent("reports")).cases == 11)
        }
    }

    @Test("an unreachable server exits 3 and never prints the password")
    func unreachable() throws {
        try CLI.withDirectory { directory in
            let output = try CLI.run(["check", "--database", "postgresql://someone:hunter2secret@127.0.0.1:1/nothing?connect_timeout=5"], in: directory)
            #expect(output.status == 3)
            #expect(output.stderr.contains("cannot connect"))
            #expect(!output.stderr.contains("hunter2secret"))
            #expect(!output.stdout.contains("hunter2secret"))
        }
    }

    @Test("generate and run against PostgreSQL in a schema of their own")
    func postgres() throws {
        try withPostgresSchema { url, schema, _, directory in
            let generate = try CLI.run(["generate", "--database", url, "--source-schema", schema, "--profiles", "500"], in: directory)
            #expect(generate.status == 0, "\(generate.stderr)")
            let run = try CLI.run(["run", "--database", url, "--source-schema", schema, "--output", "out"], in: directory)
            #expect(run.status == 1, "\(run.stderr)")
            let report = try json(directory.appendingPathComponent("out/identity-health.json"))
            #expect(report["run"]?["database"]?["kind"] == .string("postgres"))
            let target = report["run"]?["database"]?["target"]?.stringValue ?? ""
            #expect(target.hasPrefix("postgresql://postgres@127.0.0.1:"))
            let password = URLComponents(string: url)?.password ?? "?"
            let text = try String(contentsOf: directory.appendingPathComponent("out/identity-health.json"), encoding: .utf8)
                + String(contentsOf: directory.appendingPathComponent("out/identity-health.md"), encoding: .utf8)
            #expect(!text.contains(password))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            #expect(checks.first { $0["id"] == .string("merge_chains") }?["value"] == .integer(9))
            #expect(checks.first { $0["id"] == .string("external_id_hash") }?["status"] == .string("fail"))
            #expect(try ReportValidation.validate(directory.appendingPathComponent("out")).cases == 11)
        }
    }

    @Test("--dialect redshift speaks Redshift's SQL to the PostgreSQL server: the same findings, no index, the lock a row; a wrong dialect is exit 2")
    func redshiftDialect() throws {
        try withPostgresSchema { url, schema, database, directory in
            let place = ["--database", url, "--source-schema", schema]
            let generate = try CLI.run(["generate"] + place + ["--profiles", "500"], in: directory)
            #expect(generate.status == 0, "\(generate.stderr)")
            // The stand-in server has no TLS, which a Redshift connection requires by default.
            let redshift = ["--database", url + "?sslmode=disable", "--source-schema", schema]
            let run = try CLI.run(["run"] + redshift + ["--dialect", "redshift", "--mode", "table", "--output", "out"], in: directory)
            #expect(run.status == 1, "\(run.stderr)")
            let report = try json(directory.appendingPathComponent("out/identity-health.json"))
            #expect(report["run"]?["database"]?["kind"] == .string("redshift"))
            guard case .array(let checks)? = report["checks"] else { Issue.record("no checks"); return }
            #expect(checks.first { $0["id"] == .string("merge_chains") }?["value"] == .integer(9))
            #expect(checks.first { $0["id"] == .string("external_id_hash") }?["status"] == .string("fail"))
            #expect(try ReportValidation.validate(directory.appendingPathComponent("out")).cases == 11)
            // generate made its own uuid_ts indexes; the Redshift run made none of its own.
            let indexes = try database.rows("SELECT indexname FROM pg_indexes WHERE schemaname = \(bind: .text(schema)) AND indexname LIKE 'idhealth\\_%'")
            #expect(indexes.isEmpty, "\(indexes.map { $0[0].stringValue ?? "" })")
            #expect(try database.tableExists(QualifiedName(schema, "idhealth_lock")), "the lock is a row of idhealth_lock")

            let unknown = try CLI.run(["check"] + redshift + ["--dialect", "oracle"], in: directory)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("--dialect: unknown dialect `oracle`; known: sqlite, postgres, redshift, snowflake"), "\(unknown.stderr)")
            let compileOnly = try CLI.run(["check"] + redshift + ["--dialect", "bigquery"], in: directory)
            #expect(compileOnly.status == 2)
            #expect(compileOnly.stderr.contains("--dialect bigquery connects through BigQuery's REST API: give --database bigquery://PROJECT"), "\(compileOnly.stderr)")
            let snowflakeDialect = try CLI.run(["check"] + redshift + ["--dialect", "snowflake"], in: directory)
            #expect(snowflakeDialect.status == 2)
            #expect(snowflakeDialect.stderr.contains("--dialect snowflake connects through the ADBC Snowflake driver: give --database snowflake://"), "\(snowflakeDialect.stderr)")
            let sparkDialect = try CLI.run(["check"] + redshift + ["--dialect", "databricks"], in: directory)
            #expect(sparkDialect.status == 2)
            #expect(sparkDialect.stderr.contains("--dialect databricks connects through Spark Connect and the ADBC Spark driver: give --database sc://"), "\(sparkDialect.stderr)")
            let file = try CLI.run(["check", "--database", "x.sqlite", "--dialect", "redshift"], in: directory)
            #expect(file.status == 2)
            #expect(file.stderr.contains("--dialect redshift needs a server connection"), "\(file.stderr)")
        }
    }

    @Test("compile writes the files and the manifest, from --traits or from the database; what it cannot do is exit 2")
    func compile() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "c.sqlite", "--profiles", "200"], in: directory).status == 0)
            let fromDatabase = try CLI.run(["compile", "--database", "c.sqlite", "--target-schema", "main"], in: directory)
            #expect(fromDatabase.status == 0, "\(fromDatabase.stderr)")
            #expect(fromDatabase.stdout.contains("Wrote 17 files of SQLite SQL for a table-mode materialization of main (raw tables in main; 15 trait columns) and 10 checks"), "\(fromDatabase.stdout)")
            for file in ["01_prepare.sql", "02_resolve.sql", "06_swap.sql", "07_cleanup.sql", "08_check_merge_chains.sql", "16_check_freshness.sql", "17_check_merge_rate_anomaly.sql", "manifest.json"] {
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("compiled/" + file).path), "\(file)")
            }
            let redshift = try CLI.run(["compile", "--dialect", "redshift", "--traits", "email,score:real", "--source-schema", "raw", "--target-schema", "identity", "--output", "rs"], in: directory)
            #expect(redshift.status == 0, "\(redshift.stderr)")
            let swap = try String(contentsOf: directory.appendingPathComponent("rs/06_swap.sql"), encoding: .utf8)
            #expect(swap.contains(#"ALTER TABLE "identity"."idhealth_stage_id_graph" RENAME TO "id_graph";"#), "\(swap)")
            #expect(!(try String(contentsOf: directory.appendingPathComponent("rs/02_resolve.sql"), encoding: .utf8)).contains("CREATE INDEX"))

            let noTraits = try CLI.run(["compile", "--dialect", "postgres"], in: directory)
            #expect(noTraits.status == 2)
            #expect(noTraits.stderr.contains("compile needs the trait columns: name them with --traits"), "\(noTraits.stderr)")
            let incremental = try CLI.run(["compile", "--dialect", "postgres", "--traits", "email", "--mode", "incremental", "--output", "inc"], in: directory)
            #expect(incremental.status == 0, "\(incremental.stderr)")
            #expect(incremental.stdout.contains("Wrote 13 files of PostgreSQL SQL for an incremental-mode materialization"), "\(incremental.stdout)")
            let update = try String(contentsOf: directory.appendingPathComponent("inc/02_update.sql"), encoding: .utf8)
            #expect(update.contains("SELECT MAX(p.run_number) FROM \"public\".\"idhealth_runs\" p WHERE p.status = 'succeeded'"), "continues from the log's latest run")
            let view = try CLI.run(["compile", "--dialect", "postgres", "--traits", "email", "--mode", "view", "--output", "view"], in: directory)
            #expect(view.status == 2)
            #expect(view.stderr.contains("compile writes table and incremental mode; --mode view"), "\(view.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("view").path), "nothing is written")
            let help = try CLI.run(["compile", "--help"], in: directory)
            let flatHelp = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flatHelp.contains("(values: table, incremental; default: table)"), "help offers only what compile writes: \(flatHelp)")
            let badType = try CLI.run(["compile", "--dialect", "postgres", "--traits", "score:float", "--output", "bad"], in: directory)
            #expect(badType.status == 2)
            #expect(badType.stderr.contains("--traits: `score:float` has an unknown type `float`"), "\(badType.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad").path), "nothing is written")

            // The trait columns from a SQLite copy of the raw tables, for BigQuery: the copy's
            // schema must be named (BigQuery's default, public, is not in the file).
            let noSchema = try CLI.run(["compile", "--database", "c.sqlite", "--dialect", "bigquery", "--output", "bq"], in: directory)
            #expect(noSchema.status == 2)
            #expect(noSchema.stderr.contains("schema public not found in"), "\(noSchema.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("bq").path), "nothing is written")
            let bigquery = try CLI.run(["compile", "--database", "c.sqlite", "--dialect", "bigquery", "--source-schema", "main", "--target-schema", "identity", "--output", "bq"], in: directory)
            #expect(bigquery.status == 0, "\(bigquery.stderr)")
            #expect(bigquery.stdout.contains("Wrote 17 files of BigQuery SQL for a table-mode materialization of identity (raw tables in main; 15 trait columns) and 10 checks"), "\(bigquery.stdout)")
        }
    }

    @Test("explain prints the profile of a segment_id, a canonical or an external id in text, Markdown or JSON; an unknown id or no tables is exit 2")
    func explain() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "e.sqlite", "--profiles", "300"], in: directory).status == 0)
            let early = try CLI.run(["explain", "--database", "e.sqlite", "whoever"], in: directory)
            #expect(early.status == 2)
            #expect(early.stderr.contains("table main.id_graph not found: run `idhealth materialize` first"), "\(early.stderr)")
            #expect(try CLI.run(["materialize", "--database", "e.sqlite"], in: directory).status == 0)
            let database = try SQLiteDatabase(path: directory.appendingPathComponent("e.sqlite").path)
            let merged = try #require(try database.firstRow("SELECT segment_id, canonical_segment_id FROM id_graph WHERE segment_id <> canonical_segment_id ORDER BY segment_id LIMIT 1"))
            let (segmentID, canonical) = (merged[0].stringValue ?? "", merged[1].stringValue ?? "")
            let text = try CLI.run(["explain", "--database", "e.sqlite", segmentID], in: directory)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("Profile \(canonical)\n\nAsked: segment_id \(segmentID)."), "\(text.stdout)")
            let markdown = try CLI.run(["explain", "--database", "e.sqlite", canonical, "--format", "md"], in: directory)
            #expect(markdown.status == 0)
            #expect(markdown.stdout.contains("### Members, in the order they joined\n\n| segment_id | how |"), "\(markdown.stdout)")
            let json = try CLI.run(["explain", "--database", "e.sqlite", canonical, "--format", "json"], in: directory)
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["asked_kind"] as? String == "canonical_segment_id" && object?["profile"] as? String == canonical)
            // Valid against its JSON Schema, by the jsonschema package the reports are checked with.
            try Data(json.stdout.utf8).write(to: directory.appendingPathComponent("explain.json"))
            let schema = ReportValidation.repository.appendingPathComponent("schema/explain.schema.json").path
            let validated = try CLI.run(["python3", "-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                                         "explain.json", schema], in: directory, executable: URL(fileURLWithPath: "/usr/bin/env"))
            #expect(validated.status == 0, "\(validated.stderr)")
            let unknown = try CLI.run(["explain", "--database", "e.sqlite", "email:nobody@example.com"], in: directory)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("`email:n***@example.com` is neither a segment_id"), "\(unknown.stderr)")
            #expect(!unknown.stderr.contains("nobody@example.com"), "the value is masked")
            // A segment_id is no personal data: shown as typed, so a typo can be seen.
            let typo = try CLI.run(["explain", "--database", "e.sqlite", "doesnotexist"], in: directory)
            #expect(typo.status == 2 && typo.stderr.contains("`doesnotexist` is neither a segment_id"), "\(typo.stderr)")
        }
    }

    @Test("--as-of: materialize and check the past state in a schema of its own, explain a profile as it stood; what cannot be is exit 2")
    func asOf() throws {
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "t.sqlite", "--profiles", "300"], in: directory).status == 0)
            #expect(try CLI.run(["materialize", "--database", "t.sqlite"], in: directory).status == 0)
            let database = try SQLiteDatabase(path: directory.appendingPathComponent("t.sqlite").path)
            let middle = try #require(try database.scalar("SELECT uuid_ts FROM id_graph_updates ORDER BY uuid_ts LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM id_graph_updates)").stringValue)
            let past = try CLI.run(["materialize", "--database", "t.sqlite", "--as-of", middle, "--target-schema", "past"], in: directory)
            #expect(past.status == 0, "\(past.stderr)")
            #expect(past.stdout.contains("Materialized into past (mode: table"), "\(past.stdout)")
            let pastRows = try database.scalar("SELECT COUNT(*) FROM id_graph_updates WHERE uuid_ts <= \(bind: .text(middle))").intValue ?? 0
            try database.useSchema("past", create: false)
            let pastGraph = try database.scalar("SELECT COUNT(*) FROM past.id_graph").intValue ?? 0
            let nowGraph = try database.scalar("SELECT COUNT(*) FROM main.id_graph").intValue ?? 0
            #expect(pastGraph > 0 && pastGraph < nowGraph && pastRows > 0, "half the history holds fewer segment_ids than all of it")
            let check = try CLI.run(["check", "--database", "t.sqlite", "--as-of", middle, "--target-schema", "past", "--no-history", "--output", "past-reports"], in: directory)
            #expect(check.status == 0 || check.status == 1, "\(check.stderr)")
            let someone = try #require(try database.scalar("SELECT segment_id FROM past.id_graph ORDER BY segment_id LIMIT 1").stringValue)
            let explained = try CLI.run(["explain", "--database", "t.sqlite", someone, "--as-of", middle], in: directory)
            #expect(explained.status == 0, "\(explained.stderr)")
            #expect(explained.stdout.contains(" as of \(middle) UTC"), "\(explained.stdout)")
            let change = try CLI.run(["explain", "--database", "t.sqlite", someone, "--as-of", middle, "--compare-to", "now", "--format", "json"], in: directory)
            #expect(change.status == 0, "\(change.stderr)")
            let changed = try JSONSerialization.jsonObject(with: Data(change.stdout.utf8)) as? [String: Any]
            #expect(changed?["from"] as? String == middle && changed?["to"] as? String == "now" && changed?["members_gained_count"] is Int, "\(change.stdout)")

            for (arguments, message) in [
                (["materialize", "--as-of", middle], "--as-of works on the past state in a schema of its own, never on the current tables"),
                (["materialize", "--as-of", "last tuesday", "--target-schema", "past"], "--as-of: `last tuesday` is not a time"),
                (["materialize", "--as-of", middle, "--target-schema", "past", "--mode", "incremental"], "--as-of rebuilds the tables as of then (table mode)"),
                (["check", "--as-of", middle, "--target-schema", "main"], "never on the current tables"),
                (["explain", someone, "--compare-to", "now"], "--compare-to compares with the state --as-of names"),
            ] {
                let refused = try CLI.run(arguments + ["--database", "t.sqlite"], in: directory)
                #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
                #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
            }
        }
    }

    /// Runs `body` with the test server's URL, a schema name of its own (dropped afterwards),
    /// a connection and a working folder.
    @Test("a dbt profiles.yml and dbt_project.yml drive a run: the profile's connection and schema, the package's raw schema; no password printed")
    func dbtProfileRun() throws {
        try withPostgresSchema { url, schema, database, directory in
            let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("IDHealthKitTests/Fixtures/dbt")
            let parts = try #require(URLComponents(string: url))
            let target = schema + "_dbt"
            defer { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: target) CASCADE") }
            let environment = [
                "IDH_DBT_HOST": parts.host ?? "", "IDH_DBT_PORT": String(parts.port ?? 5432), "IDH_DBT_USER": parts.user ?? "",
                "IDH_DBT_PASSWORD": parts.password ?? "", "IDH_DBT_DATABASE": String(parts.path.dropFirst()),
                "IDH_DBT_RAW_SCHEMA": schema, "IDH_DBT_TARGET_SCHEMA": target,
            ]
            let generate = try CLI.run(["generate", "--database", url, "--source-schema", schema, "--profiles", "300", "--anomalies", "none"], in: directory)
            #expect(generate.status == 0, "\(generate.stderr)")
            let dbt = ["--dbt-project", fixtures.path, "--profiles-dir", fixtures.path]
            let run = try CLI.run(["run"] + dbt + ["--mode", "table", "--output", "out"], in: directory, environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try database.tableExists(QualifiedName(target, "id_graph")), "the tables go to the profile's schema")
            #expect(try database.scalar("SELECT COUNT(*) FROM \(table: QualifiedName(target, "id_graph"))").intValue
                    == database.scalar("SELECT COUNT(DISTINCT segment_id) FROM \(table: QualifiedName(schema, "id_graph_updates"))").intValue)
            let report = try json(directory.appendingPathComponent("out/identity-health.json"))
            #expect(report["run"]?["database"]?["kind"] == .string("postgres"))

            // A wrong password: the run fails with the server's refusal, never the password.
            var wrong = environment
            wrong["IDH_DBT_PASSWORD"] = "not-the-password-4711"
            let refused = try CLI.run(["check"] + dbt, in: directory, environment: wrong)
            #expect(refused.status == 3 || refused.status == 2, "\(refused.stderr)")
            #expect(!refused.stderr.contains("not-the-password-4711") && !refused.stdout.contains("not-the-password-4711"), "\(refused.stderr)")
            // A missing variable names the file, the line and the variable: exit 2.
            var unset = environment
            unset["IDH_DBT_HOST"] = nil
            let missing = try CLI.run(["check"] + dbt, in: directory, environment: unset)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("profiles.yml:8: env_var('IDH_DBT_HOST') is not set"), "\(missing.stderr)")
        }
    }

    func withPostgresSchema(_ body: (String, String, PostgresDatabase, URL) throws -> Void) throws {
        let url = try #require(CLI.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
        let schema = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let database = try PostgresDatabase(conninfo: url)
        defer { _ = try? database.execute("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE") }
        try CLI.withDirectory { directory in try body(url, schema, database, directory) }
    }
}
