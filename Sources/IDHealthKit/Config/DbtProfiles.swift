import Foundation
import Yams
import IDHealthSQL

/// Where a dbt project keeps its connection and its Profiles Sync settings: the team's
/// `profiles.yml` (`--dbt-profile`, `--dbt-target`, `--profiles-dir`) and a `dbt_project.yml`
/// that uses the dbt package (`--dbt-project`). See docs/command-line.md and the README's "Configuration".
public struct DbtSettings: Sendable, Hashable {
    /// The profile to read; nil: the `profile:` of the dbt project.
    public var profile: String?
    /// The output of the profile; nil: the profile's own `target:`.
    public var target: String?
    /// The folder of profiles.yml; nil: dbt's own order (``DbtProfiles/locate(in:environment:home:)``).
    public var profilesDirectory: String?
    /// The folder of dbt_project.yml.
    public var projectDirectory: String?

    public init(profile: String? = nil, target: String? = nil, profilesDirectory: String? = nil, projectDirectory: String? = nil) {
        self.profile = profile
        self.target = target
        self.profilesDirectory = profilesDirectory
        self.projectDirectory = projectDirectory
    }

    public var isEmpty: Bool { profile == nil && target == nil && profilesDirectory == nil && projectDirectory == nil }
}

/// A connection read from a dbt profile: what `--database` and `--dialect` would have said,
/// and the schema the profile's output writes to.
public struct DbtConnection: Sendable, Hashable {
    /// A libpq keyword string, or a `snowflake://` DSN for the ADBC Snowflake driver; it holds
    /// the password, so it is only ever handed to the client library (whose messages idhealth
    /// masks), never printed.
    public let database: String
    public let dialect: Dialect
    public let schema: String?
    /// Where it came from, for messages: `profiles.yml: profile p, output dev`.
    public let origin: String
}

/// What a dbt project says about the Profiles Sync tables (the dbt package's vars).
public struct DbtProject: Sendable, Hashable {
    public let profile: String?
    /// `schema_name`: where Profiles Sync lands the raw tables.
    public let rawSchema: String?
    /// `etl_overlap`, in hours.
    public let etlOverlapHours: Double?
}

/// Reads dbt's files. dbt renders profiles.yml as a Jinja template; its profiles use one
/// function in practice, `env_var('NAME')` or `env_var('NAME', 'default')` (optionally
/// `| int`), so that is all idhealth renders: there is no Jinja for Swift, and a template
/// doing anything else is refused with the line, not half-understood.
public enum DbtProfiles {
    /// The profiles.yml to read: `directory` (`--profiles-dir`), else `DBT_PROFILES_DIR`, else
    /// the working directory's profiles.yml when there is one, else `~/.dbt/profiles.yml` —
    /// the order dbt itself looks in.
    public static func locate(in directory: URL?, workingDirectory: URL, environment: [String: String], home: URL) -> URL {
        if let directory { return directory.appendingPathComponent("profiles.yml") }
        if let fromEnvironment = environment["DBT_PROFILES_DIR"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment, relativeTo: workingDirectory).appendingPathComponent("profiles.yml").standardizedFileURL
        }
        let local = workingDirectory.appendingPathComponent("profiles.yml")
        if FileManager.default.fileExists(atPath: local.path) { return local }
        return home.appendingPathComponent(".dbt/profiles.yml")
    }

    /// The connection of `profile`'s output `target` (nil: the profile's `target:`).
    public static func connection(file: URL, profile: String, target: String?, environment: [String: String]) throws -> DbtConnection {
        let path = file.path
        let root = try yaml(file, missing: "dbt profiles file not found: \(path) (name its folder with --profiles-dir)")
        let reader = ConfigReader(file: path)
        guard let root else { throw ConfigError("\(path) is empty: it has no profile \(profile)") }
        let profiles = try reader.mapping(root, path: "")
        guard let profileNode = profiles.first(where: { $0.0 == profile })?.1 else {
            let names = profiles.map(\.0).filter { $0 != "config" }
            throw ConfigError("\(path) has no profile `\(profile)`; its profiles: \(names.joined(separator: ", "))")
        }
        let keys = try reader.mapping(profileNode, path: profile)
        guard let outputsNode = keys.first(where: { $0.0 == "outputs" })?.1 else {
            throw reader.error(profileNode, "profile `\(profile)` has no `outputs`")
        }
        let outputs = try reader.mapping(outputsNode, path: "\(profile).outputs")
        let chosen: String
        if let target {
            chosen = target
        } else if let named = keys.first(where: { $0.0 == "target" })?.1 {
            chosen = try reader.string(named, path: "\(profile).target")
        } else {
            throw reader.error(profileNode, "profile `\(profile)` names no `target`: pass --dbt-target")
        }
        guard let outputNode = outputs.first(where: { $0.0 == chosen })?.1 else {
            throw reader.error(outputsNode, "profile `\(profile)` has no output `\(chosen)`; its outputs: \(outputs.map(\.0).joined(separator: ", "))")
        }
        let origin = "\(path): profile \(profile), output \(chosen)"
        return try connection(of: try reader.mapping(outputNode, path: "\(profile).outputs.\(chosen)"), node: outputNode,
                              path: "\(profile).outputs.\(chosen)", reader: reader, environment: environment, origin: origin)
    }

    /// An output's keys as a libpq connection: dbt-postgres' and dbt-redshift's keys.
    static func connection(of output: [(String, Node)], node: Node, path: String, reader: ConfigReader, environment: [String: String], origin: String) throws -> DbtConnection {
        var values: [String: (text: String, node: Node)] = [:]
        for (key, value) in output {
            guard let text = try rendered(value, reader: reader, environment: environment) else { continue }
            values[key] = (text, value)
        }
        guard let type = values["type"]?.text else { throw reader.error(node, "`\(path)` has no `type`") }
        let dialect: Dialect
        switch type {
        case "postgres": dialect = .postgres
        case "redshift":
            if let method = values["method"]?.text, method != "database" {
                throw reader.error(values["method"]!.node, "`\(path).method` is `\(method)`: idhealth connects to Redshift with a user and password (method: database) in this version")
            }
            dialect = .redshift
        case "snowflake":
            return try snowflakeConnection(values, path: path, node: node, reader: reader, origin: origin)
        case "databricks":
            return try databricksConnection(values, path: path, node: node, reader: reader, origin: origin)
        case "bigquery":
            return try bigqueryConnection(values, path: path, node: node, reader: reader, origin: origin)
        case "sqlserver", "synapse", "fabric":
            throw reader.error(node, "`\(path)` is a \(type) output: idhealth does not connect to \(type) in this version; `idhealth compile --dialect \("…")` writes the SQL to run there")
        default:
            throw reader.error(node, "`\(path)` has type `\(type)`; idhealth reads postgres, redshift, snowflake, databricks and bigquery outputs")
        }
        // libpq's keyword for each dbt key, in dbt's own names (`pass` and `database` are
        // the older spellings).
        let keywords: [(dbt: [String], libpq: String)] = [
            (["host"], "host"), (["port"], "port"), (["user"], "user"), (["password", "pass"], "password"),
            (["dbname", "database"], "dbname"), (["sslmode"], "sslmode"), (["connect_timeout"], "connect_timeout"),
            (["keepalives_idle"], "keepalives_idle"), (["sslrootcert"], "sslrootcert"), (["sslcert"], "sslcert"), (["sslkey"], "sslkey"),
        ]
        var parts: [String] = []
        for (names, keyword) in keywords {
            guard let value = names.lazy.compactMap({ values[$0]?.text }).first else { continue }
            parts.append("\(keyword)=\(quotedKeywordValue(value))")
        }
        for required in ["host", "user", "dbname"] where !parts.contains(where: { $0.hasPrefix(required + "=") }) {
            throw reader.error(node, "`\(path)` has no `\(required == "dbname" ? "dbname" : required)`")
        }
        return DbtConnection(database: parts.joined(separator: " "), dialect: dialect, schema: values["schema"]?.text, origin: origin)
    }

    /// A dbt `databricks` output as a Spark Connect string for the ADBC Spark driver:
    /// `sc://HOST:443/;token=…;x-databricks-cluster-id=…`, the cluster named by the last part
    /// of an all-purpose cluster's `http_path` (`sql/protocolv1/o/ORG/CLUSTER`). A SQL
    /// warehouse's `http_path` is refused (SQL warehouses have no Spark Connect endpoint), as
    /// are OAuth (no token) and a Unity Catalog `catalog` (idhealth names tables by schema and
    /// table only, in the session's default catalog).
    static func databricksConnection(_ values: [String: (text: String, node: Node)], path: String, node: Node, reader: ConfigReader, origin: String) throws -> DbtConnection {
        for required in ["host", "http_path"] where values[required]?.text == nil {
            throw reader.error(node, "`\(path)` has no `\(required)`")
        }
        let httpPath = values["http_path"]!
        guard let cluster = httpPath.text.range(of: #"protocolv1/o/[^/]+/([^/?]+)/?$"#, options: .regularExpression)
            .map({ String(httpPath.text[$0].split(separator: "/").last!) }) else {
            throw reader.error(httpPath.node, "`\(path).http_path` is not an all-purpose cluster's (sql/protocolv1/o/ORG/CLUSTER): idhealth reaches Databricks through Spark Connect, which SQL warehouses do not serve; give a cluster's http_path, or --database sc://HOST:443/;token=…;x-databricks-cluster-id=…")
        }
        guard let token = values["token"]?.text, !token.isEmpty else {
            throw reader.error(node, "`\(path)` has no `token`: idhealth passes a personal access token to Spark Connect (OAuth is not passed yet); give token: \"{{ env_var('DATABRICKS_TOKEN') }}\"")
        }
        if let catalog = values["catalog"], !["hive_metastore", "spark_catalog"].contains(catalog.text) {
            throw reader.error(catalog.node, "`\(path).catalog` is `\(catalog.text)`: idhealth names tables by schema and table, in the cluster's default catalog; make `\(catalog.text)` the cluster's default catalog and leave `catalog` out, or give --database")
        }
        // dbt-databricks takes the host with or without its scheme.
        var host = values["host"]!.text
        if host.lowercased().hasPrefix("https://") { host.removeFirst("https://".count) }
        if host.hasSuffix("/") { host.removeLast() }
        // `;` and `=` separate Spark Connect's parameters: a value holding one could add another.
        for (key, value) in [("host", host), ("token", token)] where value.contains(where: { ";=/".contains($0) }) {
            throw reader.error(values[key]!.node, "`\(path).\(key)` holds `;`, `=` or `/`, which a Spark Connect string cannot carry")
        }
        return DbtConnection(database: "sc://\(host):443/;token=\(token);x-databricks-cluster-id=\(cluster)", dialect: .databricks,
                             schema: values["schema"]?.text, origin: origin)
    }

    /// A dbt `bigquery` output of `method: oauth` as `bigquery://PROJECT?location=…`: the
    /// access token comes from GOOGLE_OAUTH_ACCESS_TOKEN, as for any `bigquery://` database.
    /// A key file or a token in the profile is refused with a message: idhealth does not
    /// sign service-account assertions, and a token does not belong in a URI.
    static func bigqueryConnection(_ values: [String: (text: String, node: Node)], path: String, node: Node, reader: ConfigReader, origin: String) throws -> DbtConnection {
        guard let project = values["project"] ?? values["database"] else {
            throw reader.error(node, "`\(path)` has no `project`")
        }
        let method = values["method"]?.text ?? "oauth"
        guard method == "oauth" else {
            throw reader.error(values["method"]?.node ?? node, "`\(path).method` is `\(method)`: idhealth reads BigQuery's access token from GOOGLE_OAUTH_ACCESS_TOKEN (method: oauth); mint one from a key file with `gcloud auth activate-service-account --key-file …` and `gcloud auth print-access-token`")
        }
        guard project.text.range(of: #"^[a-z0-9.:-]+$"#, options: .regularExpression) != nil else {
            throw reader.error(project.node, "`\(path).project` is not a project id (lower-case letters, digits, hyphens)")
        }
        var uri = "bigquery://" + project.text
        if let location = values["location"] {
            guard location.text.range(of: #"^[A-Za-z0-9-]+$"#, options: .regularExpression) != nil else {
                throw reader.error(location.node, "`\(path).location` is not a region (US, EU, europe-west3 …)")
            }
            uri += "?location=" + location.text
        }
        return DbtConnection(database: uri, dialect: .bigquery, schema: (values["dataset"] ?? values["schema"])?.text, origin: origin)
    }

    /// A dbt `snowflake` output as the ADBC Snowflake driver's DSN:
    /// `snowflake://USER:PASSWORD@ACCOUNT/DATABASE/SCHEMA?warehouse=…&role=…&authenticator=…`,
    /// each part percent-encoded. Key-pair authentication (`private_key_path`) is refused with
    /// a message: the driver takes the key through options idhealth does not pass yet.
    static func snowflakeConnection(_ values: [String: (text: String, node: Node)], path: String, node: Node, reader: ConfigReader, origin: String) throws -> DbtConnection {
        for required in ["account", "user", "database"] where values[required]?.text == nil {
            throw reader.error(node, "`\(path)` has no `\(required)`")
        }
        if values["private_key_path"] != nil || values["private_key"] != nil {
            throw reader.error(node, "`\(path)` authenticates with a key pair, which idhealth does not pass to the Snowflake driver yet: give --database snowflake://USER:PASSWORD@ACCOUNT/DATABASE, or authenticator: externalbrowser/oauth in the output")
        }
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        let user = encoded(values["user"]!.text)
        let password = values["password"].map { ":" + encoded($0.text) } ?? ""
        var location = "snowflake://\(user)\(password)@\(encoded(values["account"]!.text))/\(encoded(values["database"]!.text))"
        if let schema = values["schema"]?.text { location += "/" + encoded(schema) }
        let parameters = ["warehouse", "role", "authenticator", "token"].compactMap { key in values[key].map { "\(key)=\(encoded($0.text))" } }
        if !parameters.isEmpty { location += "?" + parameters.joined(separator: "&") }
        return DbtConnection(database: location, dialect: .snowflake, schema: values["schema"]?.text, origin: origin)
    }

    /// A dbt file's YAML (nil when empty); `missing` is the message when it cannot be read.
    static func yaml(_ file: URL, missing: String) throws -> Node? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw ConfigError(missing) }
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw ConfigError("\(file.path): not valid YAML: \(YAMLProblem.describe(error))")
        }
    }

    /// A value for a libpq keyword string: quoted, with quotes and backslashes escaped.
    static func quotedKeywordValue(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// A scalar of a dbt file with each `{{ env_var('NAME') }}` or `{{ env_var('NAME',
    /// 'default') }}` (either quote; optionally `| int`, `| as_number`, `| as_text`) replaced
    /// by the variable's value, as dbt renders each value after reading the YAML. Any other
    /// `{{ … }}` or `{% … %}` is an error naming the line.
    static func rendered(_ node: Node, reader: ConfigReader, environment: [String: String]) throws -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        let text = scalar.string
        guard text.contains("{{") || text.contains("{%") else { return text }
        let call = try NSRegularExpression(pattern: #"\{\{\s*env_var\(\s*(['"])([^'"]*)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*(?:\|\s*(?:int|as_number|as_text)\s*)?\}\}"#)
        var result = ""
        var position = text.startIndex
        for match in call.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let whole = Range(match.range, in: text)!
            let name = String(text[Range(match.range(at: 2), in: text)!])
            let fallback = Range(match.range(at: 4), in: text).map { String(text[$0]) }
            guard let value = environment[name] ?? fallback else {
                throw reader.error(node, "env_var('\(name)') is not set, and gives no default")
            }
            result += text[position..<whole.lowerBound] + value
            position = whole.upperBound
        }
        result += text[position...]
        let other = text.replacingOccurrences(of: call.pattern, with: "", options: .regularExpression)
        if other.contains("{{") || other.contains("{%") {
            throw reader.error(node, "only env_var('NAME') and env_var('NAME', 'default') are read in a dbt file here; this value has another template expression")
        }
        return result
    }

    /// Reads a dbt_project.yml: its `profile:` and the dbt package's vars, `schema_name` and
    /// `etl_overlap`, under `vars: profiles_sync:` (a project that uses the package) or
    /// directly under `vars:` (the package's own project).
    public static func project(in directory: URL, environment: [String: String]) throws -> DbtProject {
        let file = directory.appendingPathComponent("dbt_project.yml")
        let root = try yaml(file, missing: "dbt project file not found: \(file.path)")
        let reader = ConfigReader(file: file.path)
        guard let root else { return DbtProject(profile: nil, rawSchema: nil, etlOverlapHours: nil) }
        let top = try reader.mapping(root, path: "")
        let profile = try top.first(where: { $0.0 == "profile" }).map { try reader.string($0.1, path: "profile") }
        var vars: [(String, Node)] = []
        if let node = top.first(where: { $0.0 == "vars" })?.1 {
            let all = try reader.mapping(node, path: "vars")
            vars = try all.first(where: { $0.0 == "profiles_sync" }).map { try reader.mapping($0.1, path: "vars.profiles_sync") } ?? all
        }
        let schema = try vars.first(where: { $0.0 == "schema_name" }).flatMap { try rendered($0.1, reader: reader, environment: environment) }
        let overlapText = try vars.first(where: { $0.0 == "etl_overlap" }).flatMap { node in
            try rendered(node.1, reader: reader, environment: environment).map { (text: $0, node: node.1) }
        }
        var overlap: Double?
        if let overlapText {
            guard let hours = Double(overlapText.text), hours.isFinite else {
                throw reader.error(overlapText.node, "vars.etl_overlap must be a number of hours, got `\(overlapText.text)`")
            }
            overlap = hours
        }
        if let schema, schema.isEmpty { throw ConfigError("\(file.path): vars.schema_name is empty") }
        if let overlap, overlap < 0 { throw ConfigError("\(file.path): vars.etl_overlap must be zero or more hours, got \(overlap)") }
        return DbtProject(profile: profile, rawSchema: schema, etlOverlapHours: overlap)
    }
}
