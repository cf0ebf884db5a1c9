import Foundation
import Yams
import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// Everything `idhealth.yml` can say, with the design's defaults.
///
/// Parsed strictly: an unknown key or a value of the wrong type is a ``ConfigError`` naming
/// the file, the line and the key, because a silently ignored typo in a CI gate's threshold
/// is worse than a failed run.
public struct Configuration: Sendable {
    public var database: String?
    /// The dialect forced on a server connection (`dialect:`, `--dialect`); nil: the server's.
    public var dialect: Dialect?
    public var sourceSchema: String?
    public var targetSchema: String?
    public var mode: MaterializationMode = .incremental
    public var etlOverlapHours: Double = 2
    /// Whether `materialization.etl_overlap` was given (then a dbt project's var does not
    /// override it).
    public var etlOverlapGiven = false
    /// Where a dbt project keeps the connection and the raw schema (`dbt_profile:`, …).
    public var dbt = DbtSettings()
    /// Seconds a materialization waits for a lock readers of the current tables hold.
    public var lockTimeoutSeconds: Double = Materializer.defaultLockTimeoutSeconds
    public var traitNulls: TraitNulls = .keepLastValue
    public var sampleSize: Int = 20
    public var output: String?
    /// The folder of custom checks (`*.sql`), relative to the config file.
    public var checksFolder: String = "checks"
    /// Whether the config file names the checks folder: then it must exist, or the checks in
    /// it would vanish from the gate without a word.
    public var checksFolderRequired = false
    /// Per-check settings by check id: `enabled` and the check's own parameters.
    public var checks: [String: [String: ConfigValue]] = [:]
    /// Where each run's outcome is posted (`notify:`).
    public var notify: [NotifyDestination] = []
    /// Where the HTML report is published (`report_url:`), linked from notifications.
    public var reportURL: String?
    /// The folder the config file is in (or the working directory): relative paths start here.
    public var baseDirectory: URL

    public init(baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.baseDirectory = baseDirectory
    }

    /// The dialect a `--dialect` or `dialect:` value names; `origin` says where it came from.
    public static func dialect(named name: String, from origin: String) throws -> Dialect {
        guard let dialect = Dialect(named: name) else {
            throw ConfigError("\(origin): unknown dialect `\(name)`; known: \(Dialect.Engine.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return dialect
    }

    /// The name `idhealth` looks for when `--config` is not given.
    public static let defaultFileName = "idhealth.yml"

    /// Loads a config file. `explicit` says the user named it: then a missing file is an error;
    /// the default file may be absent.
    public static func load(path: String?, workingDirectory: URL) throws -> Configuration {
        let explicit = path != nil
        let url = URL(fileURLWithPath: path ?? defaultFileName, relativeTo: workingDirectory).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            if explicit { throw ConfigError("config file not found: \(url.path) (run `idhealth init` to write one)") }
            return Configuration(baseDirectory: workingDirectory)
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError("cannot read config file \(url.path): \(error.localizedDescription)")
        }
        return try parse(text, file: url.path, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses the text of a config file; `file` names it in messages.
    public static func parse(_ text: String, file: String, baseDirectory: URL) throws -> Configuration {
        var config = Configuration(baseDirectory: baseDirectory)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError("\(file): not valid YAML: \(YAMLProblem.describe(error))")
        }
        guard let root else { return config }
        let reader = ConfigReader(file: file)
        let top = try reader.mapping(root, path: "")
        for (key, value) in top {
            switch key {
            case "database": config.database = try reader.string(value, path: key)
            case "dialect":
                let name = try reader.string(value, path: key)
                do {
                    config.dialect = try dialect(named: name, from: "dialect")
                } catch let error as ConfigError {
                    throw reader.error(value, error.message)
                }
            case "source_schema": config.sourceSchema = try reader.identifier(value, path: key)
            case "target_schema": config.targetSchema = try reader.identifier(value, path: key)
            case "sample_size":
                let size = try reader.integer(value, path: key)
                guard (0...10_000).contains(size) else { throw reader.error(value, "sample_size must be between 0 and 10000, got \(size)") }
                config.sampleSize = size
            case "output": config.output = try reader.string(value, path: key)
            case "dbt_profile": config.dbt.profile = try reader.identifier(value, path: key)
            case "dbt_target": config.dbt.target = try reader.identifier(value, path: key)
            case "profiles_dir": config.dbt.profilesDirectory = config.resolve(try reader.string(value, path: key)).path
            case "dbt_project": config.dbt.projectDirectory = config.resolve(try reader.string(value, path: key)).path
            case "notify": config.notify = try reader.notifyDestinations(value)
            case "report_url":
                let url = try reader.string(value, path: key)
                guard let scheme = URLComponents(string: url)?.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
                    throw reader.error(value, "`report_url` must be an http:// or https:// URL")
                }
                config.reportURL = url
            case "checks_folder":
                config.checksFolder = try reader.string(value, path: key)
                config.checksFolderRequired = true
            case "materialization":
                for (subkey, subvalue) in try reader.mapping(value, path: key) {
                    let path = "materialization.\(subkey)"
                    switch subkey {
                    case "mode": config.mode = try reader.choice(subvalue, path: path)
                    case "etl_overlap":
                        let hours = try reader.number(subvalue, path: path)
                        guard hours >= 0 else { throw reader.error(subvalue, "\(path) must be zero or more hours, got \(hours)") }
                        config.etlOverlapHours = hours
                        config.etlOverlapGiven = true
                    case "lock_timeout":
                        let seconds = try reader.number(subvalue, path: path)
                        guard seconds >= 0 else { throw reader.error(subvalue, "\(path) must be zero (no limit) or more seconds, got \(seconds)") }
                        config.lockTimeoutSeconds = seconds
                    default: throw reader.unknownKey(subkey, in: subvalue, path: path, valid: ["mode", "etl_overlap", "lock_timeout"])
                    }
                }
            case "traits":
                for (subkey, subvalue) in try reader.mapping(value, path: key) {
                    let path = "traits.\(subkey)"
                    switch subkey {
                    case "nulls": config.traitNulls = try reader.choice(subvalue, path: path)
                    default: throw reader.unknownKey(subkey, in: subvalue, path: path, valid: ["nulls"])
                    }
                }
            case "checks":
                for (checkID, settings) in try reader.mapping(value, path: key) {
                    let path = "checks.\(checkID)"
                    guard let definition = CheckCatalog.definition(id: checkID) else {
                        throw reader.unknownKey(checkID, in: settings, path: path, valid: CheckCatalog.ids)
                    }
                    var parsed: [String: ConfigValue] = [:]
                    for (name, raw) in try reader.mapping(settings, path: path) {
                        let parameterPath = "\(path).\(name)"
                        if name == "enabled" {
                            parsed[name] = .bool(try reader.bool(raw, path: parameterPath))
                            continue
                        }
                        guard let parameter = definition.parameters.first(where: { $0.name == name }) else {
                            throw reader.unknownKey(name, in: raw, path: parameterPath, valid: ["enabled"] + definition.parameters.map(\.name))
                        }
                        parsed[name] = try reader.value(raw, kind: parameter.kind, path: parameterPath)
                    }
                    config.checks[checkID] = parsed
                }
            default:
                throw reader.unknownKey(key, in: value, path: key, valid: ["database", "dialect", "source_schema", "target_schema", "materialization", "traits", "sample_size", "output", "checks_folder", "checks", "dbt_profile", "dbt_target", "profiles_dir", "dbt_project", "notify", "report_url"])
            }
        }
        return config
    }

    /// A path from the config file or the command line, relative to ``baseDirectory`` unless
    /// absolute.
    public func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return baseDirectory.appendingPathComponent(expanded).standardizedFileURL
    }

    /// This configuration with what its dbt settings say filled in: the connection of the dbt
    /// profile (its libpq string and dialect, and its schema as the target schema), and the
    /// dbt package's vars of the dbt project (`schema_name` as the source schema,
    /// `etl_overlap`). What the configuration says itself wins, except that a named profile
    /// and a database are one connection too many.
    public func resolvingDbt(workingDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
                             home: URL = FileManager.default.homeDirectoryForCurrentUser) throws -> Configuration {
        guard !dbt.isEmpty else { return self }
        var config = self
        var project: DbtProject?
        if let directory = dbt.projectDirectory {
            project = try DbtProfiles.project(in: URL(fileURLWithPath: directory), environment: environment)
            if config.sourceSchema == nil { config.sourceSchema = project?.rawSchema }
            if !config.etlOverlapGiven, let hours = project?.etlOverlapHours { config.etlOverlapHours = hours }
        }
        // The project's own `profile:` gives the connection only where none is given.
        guard let profile = dbt.profile ?? (config.database == nil ? project?.profile : nil) else {
            if dbt.target != nil || dbt.profilesDirectory != nil {
                throw ConfigError("--dbt-target and --profiles-dir need a profile: pass --dbt-profile NAME (or --dbt-project DIR, whose `profile:` names it)")
            }
            return config
        }
        if config.database != nil {
            throw ConfigError("the connection is given twice: --database (or `database:`) and the dbt profile `\(profile)`; keep one")
        }
        let file = DbtProfiles.locate(in: dbt.profilesDirectory.map { URL(fileURLWithPath: $0) }, workingDirectory: workingDirectory,
                                      environment: environment, home: home)
        let connection = try DbtProfiles.connection(file: file, profile: profile, target: dbt.target, environment: environment)
        config.database = connection.database
        if config.dialect == nil { config.dialect = connection.dialect }
        if config.targetSchema == nil { config.targetSchema = connection.schema }
        return config
    }

    /// What the checks read from this configuration.
    public var checkSettings: CheckSettings {
        CheckSettings(sampleSize: sampleSize, etlOverlapHours: etlOverlapHours, traitNulls: traitNulls,
                      checksFolder: resolve(checksFolder), checksFolderRequired: checksFolderRequired, checks: checks)
    }
}

/// Reads YAML nodes strictly, with errors that name the file, line and key path.
struct ConfigReader {
    let file: String

    func error(_ node: Node, _ message: String) -> ConfigError {
        if let mark = node.mark { return ConfigError("\(file):\(mark.line): \(message)") }
        return ConfigError("\(file): \(message)")
    }

    func unknownKey(_ key: String, in node: Node, path: String, valid: [String]) -> ConfigError {
        error(node, "unknown key `\(path)`; valid keys here: \(valid.joined(separator: ", "))")
    }

    func mapping(_ node: Node, path: String) throws -> [(String, Node)] {
        guard case .mapping(let mapping) = node else {
            throw error(node, path.isEmpty ? "the config file must be a mapping of keys to values" : "`\(path)` must be a mapping of keys to values")
        }
        var seen = Set<String>()
        return try mapping.map { key, value in
            guard case .scalar(let scalar) = key else { throw error(key, "keys under `\(path)` must be plain words") }
            guard seen.insert(scalar.string).inserted else {
                throw error(key, "key `\(path.isEmpty ? scalar.string : path + "." + scalar.string)` is given twice")
            }
            return (scalar.string, value)
        }
    }

    func scalarText(_ node: Node, path: String, expected: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, "`\(path)` must be \(expected)") }
        return scalar.string
    }

    func string(_ node: Node, path: String) throws -> String {
        let text = try scalarText(node, path: path, expected: "a string")
        if node.null != nil { throw error(node, "`\(path)` must be a string, not empty") }
        return text
    }

    func identifier(_ node: Node, path: String) throws -> String {
        let text = try string(node, path: path)
        guard !text.isEmpty, !text.contains("\0") else { throw error(node, "`\(path)` must be a non-empty name") }
        return text
    }

    func integer(_ node: Node, path: String) throws -> Int {
        let text = try scalarText(node, path: path, expected: "a whole number")
        guard let value = node.int else { throw error(node, "`\(path)` must be a whole number, got `\(text)`") }
        return value
    }

    func number(_ node: Node, path: String) throws -> Double {
        let text = try scalarText(node, path: path, expected: "a number")
        guard let value = node.int.map(Double.init) ?? node.float, value.isFinite else {
            throw error(node, "`\(path)` must be a number, got `\(text)`")
        }
        return value
    }

    func bool(_ node: Node, path: String) throws -> Bool {
        let text = try scalarText(node, path: path, expected: "true or false")
        guard let value = node.bool else { throw error(node, "`\(path)` must be true or false, got `\(text)`") }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, path: String) throws -> T where T.RawValue == String {
        let text = try scalarText(node, path: path, expected: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        guard let value = T(rawValue: text) else {
            throw error(node, "`\(path)` must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got `\(text)`")
        }
        return value
    }

    func value(_ node: Node, kind: CheckParameter.Kind, path: String) throws -> ConfigValue {
        switch kind {
        case .integer:
            let value = try integer(node, path: path)
            guard value >= 0 else { throw error(node, "`\(path)` must be zero or more, got \(value)") }
            return .integer(value)
        case .number: return .number(try number(node, path: path))
        case .threshold:
            let text = try scalarText(node, path: path, expected: "a threshold such as 500, \"> 0\" or \"> 0.1%\"")
            guard let threshold = Threshold(parsing: text) else {
                throw error(node, "`\(path)` must be a threshold such as 500, \"> 0\", \">= 10\" or \"> 0.1%\", got `\(text)`")
            }
            return .threshold(threshold)
        case .strings:
            guard case .sequence(let sequence) = node else { throw error(node, "`\(path)` must be a list of strings") }
            return .strings(try sequence.map { try string($0, path: path) })
        case .patterns:
            guard case .sequence(let sequence) = node else { throw error(node, "`\(path)` must be a list of regular expressions") }
            return .strings(try sequence.map { item in
                let pattern = try string(item, path: path)
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                } catch {
                    throw self.error(item, "`\(path)`: `\(pattern)` is not a regular expression")
                }
                return pattern
            })
        case .sample:
            let text = try scalarText(node, path: path, expected: "a whole number of one or more, or `all`")
            guard let value = CheckParameter.value(text, kind: .sample) else {
                throw error(node, "`\(path)` must be a whole number of one or more, or `all`, got `\(text)`")
            }
            return value
        case .limits:
            var limits: [String: Int] = [:]
            for (type, value) in try mapping(node, path: path) {
                let limit = try integer(value, path: "\(path).\(type)")
                guard limit >= 0 else { throw error(value, "`\(path).\(type)` must be zero or more, got \(limit)") }
                limits[type] = limit
            }
            return .limits(limits)
        }
    }
}
