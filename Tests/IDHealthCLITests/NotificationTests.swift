import Foundation
import Testing
import IDHealthSQL

/// `notify:` against a real HTTP receiver (scripts/lib/http-receiver.py, started by each
/// test): which runs send, what the bodies say, retries, timeouts, and that neither a
/// destination's URL nor a failed delivery leaks into output or changes the verdict.
@Suite("Notifications", .serialized)
struct NotificationTests {
    /// The receiver: records every request, answers each path as planned.
    final class Receiver {
        let process: Process
        let port: Int
        let log: URL

        /// `plans`: path → answers (`"500,500,200"`, `"404"`, `"hang"`); other paths get 200.
        init(_ plans: [String: String] = [:]) throws {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("receiver-\(UUID().uuidString).jsonl")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            self.log = log
            (process, port) = try CLI.startLocalServer([ReportValidation.repository.appendingPathComponent("scripts/lib/http-receiver.py").path, log.path]
                + plans.map { "\($0.key)=\($0.value)" })
        }

        var base: String { "http://127.0.0.1:\(port)" }

        struct Request: Decodable {
            let path: String
            let headers: [String: String]
            let body: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        }

        /// Every request so far (the receiver writes each before it answers).
        func requests(_ path: String? = nil) throws -> [Request] {
            let text = try String(contentsOf: log, encoding: .utf8)
            return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
                .filter { path == nil || $0.path == path }
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }
    }

    /// Validates a webhook body against schema/notification.schema.json with jsonschema.
    static func validate(_ body: String, in directory: URL) throws {
        let file = directory.appendingPathComponent("notification-\(UUID().uuidString).json")
        try Data(body.utf8).write(to: file)
        let schema = ReportValidation.repository.appendingPathComponent("schema/notification.schema.json").path
        let checked = try CLI.run(["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.load(open(sys.argv[1])))
            """, file.path, schema], in: directory, executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(checked.status == 0, "\(checked.stderr)")
    }

    /// The config of a place with `notify` lines and `merge_chains`' thresholds (the one
    /// check these runs select): the generated anomalies give it 9 broken chains.
    static func configure(_ place: AtomicityTests.Place, notify: [String], fail: String = "> 0", warn: String = "> 0") throws {
        let text = "notify:\n" + notify.map { "  - " + $0 + "\n" }.joined()
            + "checks:\n  merge_chains:\n    fail: \"\(fail)\"\n    warn: \"\(warn)\"\n"
        try text.write(to: place.directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
    }

    @Test("each `when` over fail → fail → pass → fail → warn: who is sent what, bodies valid against the schema", arguments: CLI.engines)
    func whenModes(engine: Dialect.Engine) throws {
        let receiver = try Receiver()
        defer { receiver.stop() }
        try AtomicityTests.Place.with(engine) { place in
            try place.generate(profiles: 200)
            let notify = ["failure", "warning", "change", "always"].map { "{webhook: \(receiver.base)/\($0), when: \($0)}" }
                + ["{slack: \(receiver.base)/slack, when: always}"]
            // (merge_chains' fail threshold, warn threshold, exit status)
            let runs: [(String, String, Int32)] = [("> 0", "> 0", 1), ("> 0", "> 0", 1), ("> 1000", "> 1000", 0), ("> 0", "> 0", 1), ("> 1000", "> 0", 0)]
            for (index, (fail, warn, status)) in runs.enumerated() {
                try Self.configure(place, notify: notify, fail: fail, warn: warn)
                let command = index == 0 ? "run" : "check"
                let output = try CLI.run([command] + place.arguments(["--select", "merge_chains", "--format", "json"]), in: place.directory)
                #expect(output.status == status, "run \(index + 1): \(output.stderr)")
                #expect(!output.stderr.contains("warning"), "run \(index + 1): \(output.stderr)")
            }
            // failure: runs 1, 2, 4; warning: also 5; change: 1 (first), 3, 4, 5; always: all.
            #expect(try receiver.requests("/failure").count == 3)
            #expect(try receiver.requests("/warning").count == 4)
            #expect(try receiver.requests("/change").count == 4)
            #expect(try receiver.requests("/always").count == 5)
            #expect(try receiver.requests("/slack").count == 5)

            let always = try receiver.requests("/always")
            for request in always {
                #expect(request.headers["content-type"] == "application/json")
                try Self.validate(request.body, in: place.directory)
            }
            let verdicts = always.map { $0.json["verdict"] as? String }
            #expect(verdicts == ["fail", "fail", "pass", "fail", "warn"])
            let second = always[1].json
            let checks = try #require(second["checks"] as? [[String: Any]])
            #expect(checks.count == 1 && checks[0]["id"] as? String == "merge_chains" && checks[0]["value"] as? Int == 9)
            let previous = try #require(checks[0]["previous"] as? [String: Any], "the second run knows the first")
            #expect(previous["status"] as? String == "fail" && previous["value"] as? Int == 9)
            #expect((always[2].json["checks"] as? [Any])?.isEmpty == true, "a passing run lists no check")
            #expect((always[0].json["summary"] as? [String: Any])?["exit_status"] as? Int == 1)

            // Slack: the header's verdict, the failing check, then what passes again.
            let slack = try receiver.requests("/slack").map(\.json)
            let firstBlocks = try #require(slack[0]["blocks"] as? [[String: Any]])
            #expect(firstBlocks.first?["type"] as? String == "header")
            #expect(((firstBlocks.first?["text"] as? [String: Any])?["text"] as? String)?.contains("FAIL") == true)
            let failing = firstBlocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.first { $0.hasPrefix("*Failing*") }
            #expect(failing?.contains("`merge_chains`") == true && failing?.contains("first run") == true, "\(String(describing: failing))")
            let passing = try #require(slack[2]["blocks"] as? [[String: Any]]).compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
            #expect(passing.contains { $0.hasPrefix("*Passing again*") && $0.contains("was 9, fail") }, "\(passing)")
        }
    }

    @Test("the acceptance: webhook always and Slack on change, on the demo's data; a receiver that is down leaves exit 1")
    func acceptance() throws {
        let receiver = try Receiver()
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "demo.sqlite"], in: directory).status == 0)
            try "database: demo.sqlite\nnotify: [{webhook: \(receiver.base)/hook, when: always}, {slack: \(receiver.base)/slack, when: change}]\n"
                .write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let first = try CLI.run(["run"], in: directory)
            #expect(first.status == 1, "\(first.stderr)")
            let hook = try receiver.requests("/hook")
            let slackCount = try receiver.requests("/slack").count
            #expect(hook.count == 1 && slackCount == 1)
            let ids = (hook.first?.json["checks"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "fail" }.compactMap { $0["id"] as? String }
            #expect(Set(ids) == ["merge_chains", "merge_fan_in", "merged_profile_traits", "blocked_values", "external_id_hash"], "\(ids)")
            #expect((try receiver.requests("/slack").first?.json["blocks"] as? [Any])?.isEmpty == false)

            let second = try CLI.run(["run"], in: directory)
            #expect(second.status == 1)
            let (hooks, slacks) = (try receiver.requests("/hook").count, try receiver.requests("/slack").count)
            #expect(hooks == 2 && slacks == 1, "unchanged data: only the webhook")

            receiver.stop()
            let down = try CLI.run(["run"], in: directory)
            #expect(down.status == 1, "the data's verdict, whatever the delivery: \(down.stderr)")
            #expect(down.stderr.contains("warning: notify webhook http://127.0.0.1:\(receiver.port)/…: not delivered"), "\(down.stderr)")
            #expect(down.stderr.contains("after 3 tries"), "a refused connection is tried three times: \(down.stderr)")
        }
    }

    @Test("5xx is tried again, 4xx and a timeout are not; --fail-on-notify-error makes a lost message exit 3")
    func delivery() throws {
        let receiver = try Receiver(["/flaky": "500,502,200", "/missing": "404", "/hang": "hang"])
        defer { receiver.stop() }
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "g.sqlite", "--profiles", "100"], in: directory).status == 0)
            func config(_ path: String, extra: String = "") throws {
                try "database: g.sqlite\nnotify: [{webhook: \(receiver.base)\(path), when: always\(extra)}]\n"
                    .write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            }
            let check = ["check", "--select", "merge_chains", "--format", "json"]
            try config("/flaky")
            let flaky = try CLI.run(check, in: directory)
            #expect(flaky.status == 1 && !flaky.stderr.contains("warning"), "\(flaky.stderr)")
            #expect(flaky.stdout.contains("notified webhook"), "\(flaky.stdout)")
            #expect(try receiver.requests("/flaky").count == 3, "500, 502, then 200")

            try config("/missing")
            let missing = try CLI.run(check, in: directory)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("not delivered: answered HTTP 404") && !missing.stderr.contains("tries"), "\(missing.stderr)")
            #expect(try receiver.requests("/missing").count == 1, "a 4xx is not tried again")
            let strict = try CLI.run(check + ["--fail-on-notify-error"], in: directory)
            #expect(strict.status == 3, "\(strict.stderr)")

            try config("/hang", extra: ", timeout: 1")
            let hung = try CLI.start(check, in: directory).wait(seconds: 120)
            #expect(!hung.signaled)
            #expect(hung.status == 1, "\(hung.stderr)")
            #expect(hung.stderr.contains("no answer within 1 s"), "\(hung.stderr)")
            #expect(try receiver.requests("/hang").count == 1, "a timeout is not tried again: the message may have arrived")
        }
    }

    @Test("Slack's limits: at most ten checks a list, then 'and N more'; titles cut; the user's text escaped")
    func slackSizeCut() throws {
        let receiver = try Receiver()
        defer { receiver.stop() }
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "g.sqlite", "--profiles", "100", "--anomalies", "none"], in: directory).status == 0)
            let checks = directory.appendingPathComponent("checks")
            try FileManager.default.createDirectory(at: checks, withIntermediateDirectories: true)
            for index in 1...14 {
                let title = index == 1 ? "<!here> & " + String(repeating: "long ", count: 100) : "custom \(index)"
                try "-- id: custom_\(index)\n-- title: \(title)\nSELECT 1 AS one\n".write(to: checks.appendingPathComponent("c\(index).sql"), atomically: true, encoding: .utf8)
            }
            try "database: g.sqlite\nnotify: [{slack: \(receiver.base)/slack, when: failure}]\n"
                .write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let output = try CLI.run(["run", "--format", "json"], in: directory)
            #expect(output.status == 1, "\(output.stderr)")
            let payload = try #require(try receiver.requests("/slack").first?.json)
            let blocks = try #require(payload["blocks"] as? [[String: Any]])
            #expect(blocks.count <= 50)
            let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
            #expect(header.count <= 150 && header.contains("14 failed"), "\(header)")
            let failing = try #require(blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.first { $0.hasPrefix("*Failing*") })
            #expect(failing.split(separator: "\n").filter { $0.hasPrefix("• ") }.count == 10, "\(failing)")
            #expect(failing.hasSuffix("…and 4 more"), "\(failing)")
            #expect(failing.count <= 3000)
            #expect(failing.contains("&lt;!here&gt; &amp; long") && !failing.contains("<!here>"), "a title cannot ping the channel: \(failing)")
            #expect(failing.contains("…*"), "a long title is cut: \(failing)")
        }
    }

    @Test("env: names the URL's variable; unset, it is exit 2 before anything runs; no URL in any output, report or history; a dry run sends nothing")
    func secretsAndDryRun() throws {
        let receiver = try Receiver()
        defer { receiver.stop() }
        try CLI.withDirectory { directory in
            #expect(try CLI.run(["generate", "--database", "g.sqlite", "--profiles", "100"], in: directory).status == 0)
            try "database: g.sqlite\nnotify:\n  - slack: env:IDH_TEST_SLACK\n    when: always\n"
                .write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let unset = try CLI.run(["run"], in: directory)
            #expect(unset.status == 2)
            #expect(unset.stderr.contains("idhealth.yml:3: notify: environment variable IDH_TEST_SLACK is not set"), "\(unset.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("reports").path), "nothing ran")
            let graph = try SQLiteDatabase(path: directory.appendingPathComponent("g.sqlite").path, create: false)
            #expect(try !graph.tableExists(QualifiedName("main", "id_graph")), "nothing materialized")

            let secretPath = "/services/T0001/B0002/S3cretSlackToken"
            let environment = ["IDH_TEST_SLACK": receiver.base + secretPath]
            let dry = try CLI.run(["run", "--notify-dry-run"], in: directory, environment: environment)
            #expect(dry.status == 1, "\(dry.stderr)")
            #expect(dry.stdout.contains("notify slack http://127.0.0.1:\(receiver.port)/…: would send, because every run (when: always):"), "\(dry.stdout)")
            #expect(dry.stdout.contains("\"blocks\":["), "the body is printed")
            #expect(try receiver.requests().isEmpty, "a dry run sends nothing")

            let sent = try CLI.run(["check"], in: directory, environment: environment)
            #expect(sent.status == 1)
            #expect(try receiver.requests(secretPath).count == 1, "the variable's URL is used")
            for output in [dry, sent] {
                #expect(!(output.stdout + output.stderr).contains("S3cretSlackToken"))
            }
            for file in try FileManager.default.contentsOfDirectory(at: directory.appendingPathComponent("reports"), includingPropertiesForKeys: nil) {
                #expect(try !String(contentsOf: file, encoding: .utf8).contains("S3cretSlackToken"), "\(file.lastPathComponent)")
            }
            let history = try graph.scalar("SELECT COUNT(*) FROM main.idhealth_check_results WHERE thresholds LIKE '%S3cret%' OR run_id LIKE '%S3cret%'")
            #expect(history.intValue == 0)

            try "database: g.sqlite\nnotify: [{webhook: ftp://example.com/x}]\n".write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let ftp = try CLI.run(["check"], in: directory)
            #expect(ftp.status == 2 && ftp.stderr.contains("is not an http:// or https:// URL"), "\(ftp.stderr)")
            try "database: g.sqlite\nnotify: [{webhook: http://x/y, when: sometimes}]\n".write(to: directory.appendingPathComponent("idhealth.yml"), atomically: true, encoding: .utf8)
            let when = try CLI.run(["check"], in: directory)
            #expect(when.status == 2 && when.stderr.contains("`notify[0].when` must be one of failure, warning, change, always"), "\(when.stderr)")
        }
    }
}
