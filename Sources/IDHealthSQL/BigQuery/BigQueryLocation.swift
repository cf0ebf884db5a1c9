import Foundation

/// A `--database bigquery://PROJECT[/DATASET][?location=…&endpoint=…]`: Google BigQuery,
/// reached through its REST API (`jobs.query`, `getQueryResults`, `tables.get`).
///
/// * `PROJECT`: the project whose jobs run (and are billed) and whose datasets idhealth
///   reads and writes. `DATASET`, when given, is the default dataset of unqualified names.
/// * `location=`: the region the datasets live in (`US`, `EU`, `europe-west3` …); jobs run
///   there and the dataset idhealth makes for its work tables is made there. Unset: where
///   BigQuery places the job (by the datasets it reads).
/// * `endpoint=`: another address of the API: a private endpoint, or a local emulator
///   (`http://127.0.0.1:9050`, which needs no credentials).
///
/// The credentials are an OAuth access token in `GOOGLE_OAUTH_ACCESS_TOKEN` (or gcloud's
/// `CLOUDSDK_AUTH_ACCESS_TOKEN`): `gcloud auth print-access-token`, or the `access_token`
/// output of a CI's Google authentication step. A token never goes into the URI, which
/// `idhealth init` writes into a file others may read.
public struct BigQueryLocation: Sendable, Hashable {
    public let project: String
    public let dataset: String?
    public let location: String?
    /// The API's base address, without a trailing `/`.
    public let endpoint: String

    static let googleEndpoint = "https://bigquery.googleapis.com"
    /// The environment variables an access token is read from, in order.
    static let tokenVariables = ["GOOGLE_OAUTH_ACCESS_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"]

    /// What the connection points at, safe to print.
    public var target: String {
        "bigquery://" + project + (dataset.map { "/" + $0 } ?? "") + (endpoint == Self.googleEndpoint ? "" : " at " + endpoint)
    }

    /// Whether the endpoint is another than Google's (an emulator, a private address).
    var isCustomEndpoint: Bool { endpoint != Self.googleEndpoint }

    /// The BigQuery form of `text`, nil when it is not one.
    public init?(_ text: String) throws {
        guard text.lowercased().hasPrefix("bigquery://") else { return nil }
        let rest = text.dropFirst("bigquery://".count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0].split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let usage = "give bigquery://PROJECT[/DATASET][?location=REGION&endpoint=URL]"
        guard let project = path.first, path.count <= 2 else {
            throw ConfigError("--database bigquery://…: \(usage)")
        }
        // Project ids are lower-case letters, digits and hyphens (a domain-scoped one adds
        // `example.com:`); dataset names letters, digits and underscores.
        guard project.range(of: #"^[a-z0-9.:-]+$"#, options: .regularExpression) != nil else {
            throw ConfigError("--database bigquery://…: the project id holds characters a project id cannot (lower-case letters, digits, hyphens; \(usage))")
        }
        if path.count == 2, path[1].range(of: #"^[A-Za-z0-9_]+$"#, options: .regularExpression) == nil {
            throw ConfigError("--database bigquery://\(project)/…: a dataset name is letters, digits and underscores")
        }
        self.project = project
        dataset = path.count == 2 ? path[1] : nil
        var location: String?
        var endpoint = Self.googleEndpoint
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                guard kv.count == 2, !kv[1].isEmpty else {
                    throw ConfigError("--database bigquery://\(project)…: `\(kv[0])` needs a value (\(usage))")
                }
                switch kv[0].lowercased() {
                case "location":
                    guard kv[1].range(of: #"^[A-Za-z0-9-]+$"#, options: .regularExpression) != nil else {
                        throw ConfigError("--database bigquery://\(project)…: location= is a region such as US, EU or europe-west3")
                    }
                    location = kv[1]
                case "endpoint":
                    let lowered = kv[1].lowercased()
                    guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), !kv[1].contains("@") else {
                        throw ConfigError("--database bigquery://\(project)…: endpoint= is an http:// or https:// address without credentials")
                    }
                    endpoint = kv[1].hasSuffix("/") ? String(kv[1].dropLast()) : kv[1]
                default:
                    throw ConfigError("--database bigquery://\(project)…: unknown parameter `\(kv[0])`: location= and endpoint= are known (the access token is read from GOOGLE_OAUTH_ACCESS_TOKEN)")
                }
            }
        }
        self.location = location
        self.endpoint = endpoint
    }

    /// The access token of the environment, nil when none is set.
    static func accessToken(in environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        tokenVariables.lazy.compactMap { environment[$0]?.trimmingCharacters(in: .whitespacesAndNewlines) }.first { !$0.isEmpty }
    }

    /// Opens the connection. `dialect` (`--dialect`) may only name BigQuery.
    func connect(dialect forced: Dialect?) throws -> any Database {
        if let forced, forced.engine != .bigquery {
            throw ConfigError("--dialect \(forced.engine.rawValue) does not match --database \(target), which is BigQuery")
        }
        let token = Self.accessToken()
        if token == nil, !isCustomEndpoint {
            throw ConfigError("BigQuery needs an OAuth access token in GOOGLE_OAUTH_ACCESS_TOKEN: `export GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token)`, or your CI's Google authentication step's access_token (docs/warehouses.md)")
        }
        let curl = try CurlLibrary.shared.get()
        let client = BigQueryClient(location: self, token: token, curl: curl)
        return try BigQueryDatabase(client: client, target: target)
    }
}
