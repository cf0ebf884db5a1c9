import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL

/// Reading the connection and the raw schema from a team's dbt files (Fixtures/dbt), with
/// `env_var()` resolved as dbt does.
@Suite("dbt profiles and projects")
struct DbtProfilesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dbt")
    static let profiles = fixtures.appendingPathComponent("profiles.yml")
    static let environment = ["IDH_DBT_HOST": "db.internal", "IDH_DBT_PORT": "6432", "IDH_DBT_USER": "ci",
                              "IDH_DBT_PASSWORD": #"s3cr'et\x"#, "REDSHIFT_PASSWORD": "rs-pw", "DATABRICKS_TOKEN": "dapi-secret-42"]

    @Test("a postgres output becomes a libpq keyword string, env_var() and its defaults resolved, every value quoted")
    func postgresOutput() throws {
        let connection = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: nil, environment: Self.environment)
        #expect(connection.dialect == .postgres)
        #expect(connection.database == #"host='db.internal' port='6432' user='ci' password='s3cr\'et\\x' dbname='postgres' sslmode='disable'"#)
        #expect(connection.schema == "dbt_identity")
        #expect(connection.origin.hasSuffix("profiles.yml: profile identity, output ci"))
        // The password is a connection string's password, which every message masks.
        #expect(PostgresConnectionString.passwords(in: connection.database).contains(#"s3cr'et\x"#)
                || PostgresConnectionString.passwords(in: connection.database).contains(#"s3cr\'et\\x"#))
    }

    @Test("a redshift output speaks Redshift's dialect, a snowflake output the ADBC Snowflake driver's DSN; IAM is refused with the reason")
    func otherOutputs() throws {
        let redshift = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "warehouse", environment: Self.environment)
        #expect(redshift.dialect == .redshift)
        #expect(redshift.database == "host='analytics.abc123.us-east-1.redshift.amazonaws.com' port='5439' user='idhealth' password='rs-pw' dbname='analytics'")
        #expect(redshift.schema == "identity")
        let path = Self.profiles.path
        #expect(throws: ConfigError("\(path):27: `identity.outputs.iam.method` is `iam`: idhealth connects to Redshift with a user and password (method: database) in this version")) {
            try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "iam", environment: Self.environment)
        }
        // A snowflake output is the ADBC Snowflake driver's DSN, each part percent-encoded.
        let snowflake = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "snow", environment: Self.environment)
        #expect(snowflake.dialect == .snowflake)
        #expect(snowflake.database == "snowflake://idhealth@abc123/analytics/identity?warehouse=transforming&authenticator=externalbrowser")
        #expect(snowflake.schema == "identity")
        guard case .adbc(let location) = try DatabaseLocation(snowflake.database).kind else {
            Issue.record("a snowflake output is not an ADBC location")
            return
        }
        #expect(location.engine == .snowflake)
    }

    @Test("a databricks output on a cluster is a Spark Connect string with the token and cluster id; a SQL warehouse's http_path is refused naming the line, without the token")
    func databricksOutputs() throws {
        let cluster = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "cluster", environment: Self.environment)
        #expect(cluster.dialect == .databricks)
        #expect(cluster.database == "sc://adb-1234567890123456.7.azuredatabricks.net:443/;token=dapi-secret-42;x-databricks-cluster-id=0123-456789-abcdefgh")
        #expect(cluster.schema == "identity")
        guard case .adbc(let location) = try DatabaseLocation(cluster.database).kind else {
            Issue.record("a databricks output is not an ADBC location")
            return
        }
        #expect(location.engine == .databricks)
        #expect(location.target == "sc://adb-1234567890123456.7.azuredatabricks.net:443")
        #expect(location.secrets.contains("dapi-secret-42"))
        do {
            _ = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "sqlwarehouse", environment: Self.environment)
            Issue.record("a SQL warehouse's http_path was taken")
        } catch let error as ConfigError {
            let text = "\(error)"
            #expect(text.contains("\(Self.profiles.path):55: `identity.outputs.sqlwarehouse.http_path` is not an all-purpose cluster's"), "\(text)")
            #expect(!text.contains("dapi-secret-42"))
        }
    }

    @Test("a bigquery output of method oauth is bigquery://PROJECT?location=…, its dataset the schema; a key file is refused naming the line and saying how to mint a token")
    func bigqueryOutputs() throws {
        let oauth = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "bq", environment: Self.environment)
        #expect(oauth.dialect == .bigquery)
        #expect(oauth.database == "bigquery://analytics-prod?location=EU")
        #expect(oauth.schema == "identity")
        guard case .bigquery(let location) = try DatabaseLocation(oauth.database).kind else {
            Issue.record("a bigquery output is not a BigQuery location")
            return
        }
        #expect(location.project == "analytics-prod")
        #expect(location.location == "EU")
        #expect(location.target == "bigquery://analytics-prod")
        do {
            _ = try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "bqkey", environment: Self.environment)
            Issue.record("a service-account output was taken")
        } catch let error as ConfigError {
            let text = "\(error)"
            #expect(text.contains("\(Self.profiles.path):66: `identity.outputs.bqkey.method` is `service-account`"), "\(text)")
            #expect(text.contains("gcloud auth print-access-token"), "\(text)")
        }
    }

    @Test("what is wrong is named: the variable, the template, the profile, the output, with the file and line")
    func errors() throws {
        let path = Self.profiles.path
        var environment = Self.environment
        environment["IDH_DBT_HOST"] = nil
        #expect(throws: ConfigError("\(path):8: env_var('IDH_DBT_HOST') is not set, and gives no default")) {
            try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: nil, environment: environment)
        }
        #expect(throws: ConfigError("\(path):43: only env_var('NAME') and env_var('NAME', 'default') are read in a dbt file here; this value has another template expression")) {
            try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "templated", environment: Self.environment)
        }
        #expect(throws: ConfigError("\(path) has no profile `marketing`; its profiles: identity")) {
            try DbtProfiles.connection(file: Self.profiles, profile: "marketing", target: nil, environment: Self.environment)
        }
        #expect(throws: ConfigError("\(path):6: profile `identity` has no output `prod`; its outputs: ci, warehouse, iam, snow, templated, cluster, sqlwarehouse, bq, bqkey")) {
            try DbtProfiles.connection(file: Self.profiles, profile: "identity", target: "prod", environment: Self.environment)
        }
        let missing = Self.fixtures.appendingPathComponent("nowhere/profiles.yml")
        #expect(throws: ConfigError("dbt profiles file not found: \(missing.path) (name its folder with --profiles-dir)")) {
            try DbtProfiles.connection(file: missing, profile: "identity", target: nil, environment: Self.environment)
        }
    }

    @Test("the dbt project gives the profile, the raw schema (schema_name) and etl_overlap; the configuration's own settings win")
    func project() throws {
        let project = try DbtProfiles.project(in: Self.fixtures, environment: [:])
        #expect(project == DbtProject(profile: "identity", rawSchema: "segment_profiles", etlOverlapHours: 28))

        var configuration = Configuration(baseDirectory: Self.fixtures)
        configuration.dbt = DbtSettings(profilesDirectory: Self.fixtures.path, projectDirectory: Self.fixtures.path)
        let resolved = try configuration.resolvingDbt(workingDirectory: Self.fixtures, environment: Self.environment.merging(["IDH_DBT_RAW_SCHEMA": "raw"]) { $1 })
        #expect(resolved.sourceSchema == "raw")
        #expect(resolved.targetSchema == "dbt_identity")
        #expect(resolved.etlOverlapHours == 28)
        #expect(resolved.dialect == .postgres)
        #expect(resolved.database?.hasPrefix("host='db.internal' port='6432'") == true)

        var own = try Configuration.parse("materialization: {etl_overlap: 3}\ntarget_schema: mine\ndbt_profile: identity\ndbt_target: warehouse\nprofiles_dir: .\ndbt_project: .",
                                          file: "idhealth.yml", baseDirectory: Self.fixtures)
        own = try own.resolvingDbt(workingDirectory: URL(fileURLWithPath: "/"), environment: Self.environment)
        #expect(own.etlOverlapHours == 3)
        #expect(own.targetSchema == "mine")
        #expect(own.sourceSchema == "segment_profiles")
        #expect(own.dialect == .redshift)

        var twice = Configuration(baseDirectory: Self.fixtures)
        twice.database = "postgres://elsewhere/db"
        twice.dbt = DbtSettings(profile: "identity", profilesDirectory: Self.fixtures.path)
        #expect(throws: ConfigError("the connection is given twice: --database (or `database:`) and the dbt profile `identity`; keep one")) {
            try twice.resolvingDbt(workingDirectory: Self.fixtures, environment: Self.environment)
        }
        // A database of its own and a project for its vars: the project's profile is not used.
        twice.dbt = DbtSettings(projectDirectory: Self.fixtures.path)
        let vars = try twice.resolvingDbt(workingDirectory: Self.fixtures, environment: Self.environment)
        #expect(vars.database == "postgres://elsewhere/db")
        #expect(vars.sourceSchema == "segment_profiles")
    }
}
