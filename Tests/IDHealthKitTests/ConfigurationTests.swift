import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

@Suite("Configuration")
struct ConfigurationTests {
    let base = URL(fileURLWithPath: "/tmp")

    func parse(_ text: String) throws -> Configuration {
        try Configuration.parse(text, file: "idhealth.yml", baseDirectory: base)
    }

    @Test("the template idhealth init writes parses back to the defaults")
    func template() throws {
        let config = try parse(ConfigTemplate.text(database: "x.sqlite"))
        #expect(config.database == "x.sqlite")
        #expect(config.mode == .incremental)
        #expect(config.etlOverlapHours == 2)
        #expect(config.traitNulls == .keepLastValue)
        #expect(config.sampleSize == 20)
        #expect(config.checkSettings.parameter("fail", of: CheckCatalog.definition(id: "merge_fan_in")!) == .threshold(Threshold(.greater, 500)))
        #expect(config.checkSettings.parameter("fail", of: CheckCatalog.definition(id: "merge_chains")!) == .threshold(Threshold(.greater, 0)))
    }

    @Test("settings are read")
    func settings() throws {
        let config = try parse("""
            database: postgres://db/x
            source_schema: segment
            target_schema: identity
            sample_size: 5
            traits: {nulls: propagate}
            checks:
              merge_fan_in: {warn: 20, fail: "> 200"}
              merge_chains: {enabled: false}
            """)
        #expect(config.sourceSchema == "segment")
        #expect(config.targetSchema == "identity")
        #expect(config.sampleSize == 5)
        #expect(config.traitNulls == .propagate)
        #expect(config.checkSettings.parameter("warn", of: CheckCatalog.definition(id: "merge_fan_in")!) == .threshold(Threshold(.greater, 20)))
        #expect(config.checkSettings.parameter("fail", of: CheckCatalog.definition(id: "merge_fan_in")!) == .threshold(Threshold(.greater, 200)))
        #expect(!config.checkSettings.isEnabled(CheckCatalog.definition(id: "merge_chains")!))
    }

    @Test("an unknown key is named with its line and the valid keys")
    func unknownKey() throws {
        let error = try #require(throws: ConfigError.self) { try parse("database: x\nsample_sise: 3\n") }
        #expect(error.message == "idhealth.yml:2: unknown key `sample_sise`; valid keys here: database, dialect, source_schema, target_schema, materialization, traits, sample_size, output, checks_folder, checks, dbt_profile, dbt_target, profiles_dir, dbt_project, notify, report_url")
    }

    @Test("unknown checks and parameters are named")
    func unknownCheck() throws {
        let check = try #require(throws: ConfigError.self) { try parse("checks:\n  merge_fanin: {warn: 3}\n") }
        #expect(check.message.contains("unknown key `checks.merge_fanin`"))
        let parameter = try #require(throws: ConfigError.self) { try parse("checks:\n  merge_fan_in:\n    warning: 3\n") }
        #expect(parameter.message.hasPrefix("idhealth.yml:3: unknown key `checks.merge_fan_in.warning`"))
    }

    @Test("wrong types are named", arguments: [
        ("sample_size: many", "`sample_size` must be a whole number, got `many`"),
        ("materialization: {mode: fast}", "`materialization.mode` must be one of table, incremental, view, got `fast`"),
        ("materialization: {etl_overlap: -1}", "materialization.etl_overlap must be zero or more hours"),
        ("checks: {merge_fan_in: {fail: lots}}", "`checks.merge_fan_in.fail` must be a threshold"),
        ("checks: {merge_chains: {enabled: maybe}}", "`checks.merge_chains.enabled` must be true or false"),
        ("checks: {materialization_drift: {sample: 0}}", "`checks.materialization_drift.sample` must be a whole number of one or more, or `all`, got `0`"),
        ("checks: {materialization_drift: {sample: everything}}", "`checks.materialization_drift.sample` must be a whole number of one or more, or `all`, got `everything`"),
        ("traits: [a, b]", "`traits` must be a mapping"),
        ("- just\n- a list", "the config file must be a mapping"),
        ("database: [x", "not valid YAML"),
        ("database: a\ndatabase: b", "key `database` is given twice"),
    ])
    func wrongTypes(text: String, message: String) throws {
        let error = try #require(throws: ConfigError.self) { try parse(text) }
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("a YAML error names the line and column but never quotes it: the line may hold a password")
    func yamlErrorWithoutText() throws {
        let error = try #require(throws: ConfigError.self) { try parse("database: x\npassword: Sup3rS3cret: bad\n") }
        #expect(error.message.contains("not valid YAML: line 2, column 22"), "\(error.message)")
        #expect(!error.message.contains("Sup3rS3cret"), "\(error.message)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profiles = folder.appendingPathComponent("profiles.yml")
        try Data("analytics:\n  outputs:\n    prod:\n      password: Sup3rS3cret: bad\n".utf8).write(to: profiles)
        let dbt = try #require(throws: ConfigError.self) { try DbtProfiles.yaml(profiles, missing: "missing") }
        #expect(dbt.message.contains("profiles.yml: not valid YAML: line 4"), "\(dbt.message)")
        #expect(!dbt.message.contains("Sup3rS3cret"), "\(dbt.message)")
    }

    @Test("the drift sample reads a whole number or `all`")
    func driftSample() throws {
        let drift = try #require(CheckCatalog.definition(id: "materialization_drift"))
        #expect(drift.defaultValue("sample") == .integer(10_000))
        #expect(drift.defaultValue("sample_profiles") == .integer(1_000))
        #expect(try parse("checks: {materialization_drift: {sample: all}}").checkSettings.parameter("sample", of: drift) == .string("all"))
        #expect(try parse("checks: {materialization_drift: {sample: 500}}").checkSettings.parameter("sample", of: drift) == .integer(500))
    }

    @Test("a named config file that is missing is an error; the default one may be absent")
    func missingFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: ConfigError.self) { try Configuration.load(path: "nope.yml", workingDirectory: directory) }
        #expect(error.message.contains("config file not found"))
        #expect(try Configuration.load(path: nil, workingDirectory: directory).database == nil)
    }

    @Test("thresholds parse and judge", arguments: [
        ("500", 500.0, 0.0, false), ("500", 501, 0, true), ("> 0", 1, 0, true), ("> 0", 0, 0, false),
        (">= 10", 10, 0, true), ("> 0.1%", 2, 1_000, true), ("> 0.1%", 1, 1_000, false),
    ])
    func thresholds(text: String, value: Double, base: Double, crossed: Bool) throws {
        let threshold = try #require(Threshold(parsing: text))
        #expect(threshold.isCrossed(by: value, base: base) == crossed)
    }

    @Test("bad thresholds are refused", arguments: ["", "lots", "> -1", "< 3", ">"])
    func badThresholds(text: String) {
        #expect(Threshold(parsing: text) == nil)
    }

    @Test("database locations", arguments: [
        ("demo.sqlite", Dialect.Engine.sqlite), ("sqlite:/tmp/x.db", .sqlite), ("postgres://u@h/db", .postgres),
        ("postgresql://h/db?sslmode=require", .postgres), ("host=localhost dbname=x", .postgres),
    ])
    func locations(text: String, engine: Dialect.Engine) throws {
        #expect(try DatabaseLocation(text).engine == engine)
    }
}

@Suite("Masking")
struct MaskingTests {
    @Test("personal values are masked, junk values are not", arguments: [
        ("jane.kim@segment.com", "j***@segment.com"),
        ("5285bc35-05ef-4d21", "52***4d21"),
        ("usr_42", "u***"),
        ("-1", "-1"), ("null", "null"), ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
        ("test@test.com", "test@test.com"), ("  ", "  "),
    ])
    func mask(value: String, masked: String) {
        #expect(Masker(showValues: false).mask(value) == masked)
        #expect(Masker(showValues: true).mask(value) == value)
    }

    @Test("only personal columns of a sample row are masked")
    func row() {
        let row = Row(columns: ["canonical_segment_id", "external_id_value", "email", "segment_ids"],
                      values: [.text("use_123456789"), .text("5285bc35-05ef-4d21"), .text("a@b.co"), .integer(3)])
        #expect(Masker(showValues: false).mask(row: row) == [.text("use_123456789"), .text("52***4d21"), .text("a***@b.co"), .integer(3)])
    }
}
