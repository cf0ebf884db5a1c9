import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL

/// The ADBC layer (`--database adbc:postgresql://…`, `snowflake://…`, `sc://…`) through a real
/// driver, Apache's ADBC PostgreSQL driver from PyPI, to the test server, cross-checked
/// against the native libpq connection to the same server: every Arrow type the engine
/// returns reads as libpq's text does, values bind as Arrow and come back exactly, results
/// stream batch by batch, and a missing driver or a wrong password is a clear error without
/// the secret. (The golden, truth and incremental-property suites also run through it:
/// `TestDatabase.places`.)
@Suite("ADBC")
struct ADBCTests {
    func connect() throws -> any Database {
        let url = try #require(TestDatabase.postgresURL, "IDHEALTH_TEST_POSTGRES is not set: run the tests with scripts/test.sh")
        return try DatabaseLocation("adbc:" + url).connect()
    }

    @Test("every type PostgreSQL returns reads through Arrow as it reads through libpq")
    func typesEqualLibpq() throws {
        let url = try #require(TestDatabase.postgresURL)
        let native = try PostgresDatabase(conninfo: url)
        let adbc = try connect()
        #expect(adbc.dialect == .postgres)
        let query: SQL = """
            SELECT CAST(1 AS smallint) AS i2, CAST(-2 AS integer) AS i4, CAST(9007199254740993 AS bigint) AS i8,
                   CAST(1.5 AS real) AS f4, CAST(-2.25 AS double precision) AS f8, CAST(12.34 AS numeric) AS num,
                   CAST(42 AS numeric) AS whole, true AS yes, false AS no, 'Köln ''quoted''' AS txt, CAST('v' AS varchar(3)) AS vc,
                   CAST(NULL AS text) AS null_text, CAST(NULL AS bigint) AS null_int, DATE '2024-01-02' AS d,
                   TIMESTAMPTZ '2024-05-18 04:07:00+00' AS tz, TIMESTAMPTZ '2024-05-18 04:07:00.5+00' AS tz_fraction,
                   TIMESTAMP '1969-12-31 23:59:59.25' AS before_epoch, TIMESTAMPTZ '2024-05-18 06:07:00.000123+02' AS micro
            """
        let expected = try #require(try native.firstRow(query))
        let actual = try #require(try adbc.firstRow(query))
        #expect(actual.columns == expected.columns)
        for (index, column) in expected.columns.enumerated() {
            #expect(actual.values[index] == expected.values[index], "\(column): ADBC \(actual.values[index]) vs libpq \(expected.values[index])")
        }
    }

    @Test("values bind as an Arrow batch and come back as they were")
    func bindingRoundTrip() throws {
        let database = try connect()
        let text = "it's “quoted”, a \\ backslash; and ? $1 a marker"
        let row = try #require(try database.firstRow("""
            SELECT \(bind: .text(text)) AS t, \(bind: .integer(9_007_199_254_740_993)) AS i, \(bind: .real(0.25)) * 2 AS r,
                   CAST(\(bind: .null) AS text) AS n, \(bind: .integer(7)) = \(bind: .integer(7)) AS same, \(bind: .text("")) AS empty
            """))
        #expect(row["t"] == .text(text))
        #expect(row["i"] == .integer(9_007_199_254_740_993))
        #expect(row["r"] == .real(0.5))
        #expect(row["n"] == .null)
        #expect(row["same"] == .integer(1))
        #expect(row["empty"] == .text(""))
    }

    @Test("rows stream batch by batch, stop when the reader has enough, and every row of many batches arrives")
    func streaming() throws {
        let database = try connect()
        try expectFirstRowsSoon(database, "SELECT g FROM generate_series(1, 5000000) g")
        var count = 0, sum: Int64 = 0
        try database.forEachRow("SELECT g, repeat('x', g % 50) AS pad FROM generate_series(1, 300000) g") { row in
            count += 1
            sum += row[0].intValue ?? 0
            return true
        }
        #expect(count == 300_000)
        #expect(sum == 300_000 * 300_001 / 2)
    }

    @Test("a transaction through the driver's autocommit option commits, and rolls back on error")
    func transactions() throws {
        let database = try connect()
        let schema = "adbc_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try database.execute("CREATE SCHEMA \(ident: schema)")
        defer { _ = try? database.execute("DROP SCHEMA \(ident: schema) CASCADE") }
        let table = QualifiedName(schema, "t")
        try database.execute("CREATE TABLE \(table: table) (v BIGINT)")
        try database.inTransaction { try database.execute("INSERT INTO \(table: table) VALUES (1)") }
        #expect(throws: DatabaseError.self) {
            try database.inTransaction {
                try database.execute("INSERT INTO \(table: table) VALUES (2)")
                try database.execute("INSERT INTO \(table: table) VALUES ('not a number')")
            }
        }
        #expect(try database.scalar("SELECT COUNT(*) FROM \(table: table)").intValue == 1, "the failed transaction left nothing")
        try database.inTransaction { try database.execute("INSERT INTO \(table: table) VALUES (3)") }
        #expect(try database.scalar("SELECT SUM(v) FROM \(table: table)").intValue == 4)
    }

    @Test("a wrong password is a database error that names the server but not the password")
    func wrongPassword() throws {
        let url = try #require(TestDatabase.postgresURL)
        var components = try #require(URLComponents(string: url))
        components.password = "Wr0ngS3cret"
        let location = try DatabaseLocation("adbc:" + (components.string ?? ""))
        do {
            _ = try location.connect()
            Issue.record("connected with a wrong password")
        } catch let error as DatabaseError {
            #expect(!error.description.contains("Wr0ngS3cret"))
            #expect(error.description.contains("password authentication failed"), "\(error)")
        }
        guard case .adbc(let adbc) = location.kind else { Issue.record("not an ADBC location"); return }
        #expect(!adbc.target.contains("Wr0ngS3cret"))
    }

    @Test("a driver that is not installed is exit 2 naming what to install and where idhealth looked")
    func missingDriver() throws {
        let locator = ADBCDriverLocator(environment: ["ADBC_DRIVER_PATH": "/nonexistent/a:/nonexistent/b", "HOME": "/nonexistent/home"])
        do {
            _ = try locator.locate("snowflake")
            Issue.record("found a driver in empty folders")
        } catch let error as ConfigError {
            #expect(error.kind == .invalidRequest)
            #expect(error.description.contains("pip install adbc-driver-snowflake"))
            #expect(error.description.contains("/nonexistent/a/snowflake.toml") || error.description.contains("/nonexistent/a"))
            #expect(error.description.contains("/etc/adbc/drivers"))
        }
        #expect(throws: ConfigError.self) { try ADBCDriver.load("/nonexistent/libadbc_driver_x.so") }
        // A file that is no shared library: dlopen's reason, exit 2, no crash.
        let bogus = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-not-a-driver-\(UUID().uuidString).so")
        try Data("not a library".utf8).write(to: bogus)
        defer { try? FileManager.default.removeItem(at: bogus) }
        #expect(throws: ConfigError.self) { try ADBCDriver.load(bogus.path) }
    }

    @Test("manifests are found by name in order, with a platform table or a single path, relative to the manifest")
    func manifests() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-manifests-\(UUID().uuidString)")
        let first = root.appendingPathComponent("first"), second = root.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try """
            manifest_version = 1  # the only version
            name = "Warehouse # driver"
            [ADBC.features]
            supported = ['bulk insert']
            [Driver]
            entrypoint = 'AdbcDriverWarehouseInit'
            [Driver.shared]
            \(ADBCDriverManifest.platform) = "lib/libwarehouse.so"
            other_os = '/elsewhere.so'
            """.write(to: second.appendingPathComponent("warehouse.toml"), atomically: true, encoding: .utf8)
        try "[Driver]\nshared = '/opt/one.so'\n".write(to: first.appendingPathComponent("one.toml"), atomically: true, encoding: .utf8)
        let locator = ADBCDriverLocator(environment: ["ADBC_DRIVER_PATH": first.path + ":" + second.path])
        #expect(try locator.locate("warehouse") == ADBCDriverManifest(library: second.path + "/lib/libwarehouse.so", entrypoint: "AdbcDriverWarehouseInit"))
        #expect(try locator.locate("one") == ADBCDriverManifest(library: "/opt/one.so", entrypoint: nil))
        #expect(throws: ConfigError.self) { try ADBCDriverManifest(text: "manifest_version = 2\n[Driver]\nshared = '/x.so'", path: "two.toml") }
        #expect(throws: ConfigError.self) { try ADBCDriverManifest(text: "[Driver.shared]\nwindows_amd64 = 'x.dll'", path: "other.toml") }
        #expect(ADBCDriver.defaultEntrypoint("/x/libadbc_driver_snowflake.so") == "AdbcDriverSnowflakeInit")
    }

    @Test("each scheme picks its driver and dialect, and what is printed holds no secret")
    func locations() throws {
        func adbc(_ text: String) throws -> ADBCLocation {
            guard case .adbc(let location) = try DatabaseLocation(text).kind else { throw ConfigError("\(text) is not ADBC") }
            return location
        }
        let snowflake = try adbc("snowflake://fake:Sn0wS3cret@localhost:8080/DB/RAW?account=fakesnow&protocol=http")
        #expect(snowflake.driver == "snowflake")
        #expect(snowflake.engine == .snowflake)
        #expect(snowflake.target == "snowflake://fake@localhost:8080/DB/RAW")
        #expect(snowflake.secrets.contains("Sn0wS3cret"))
        let spark = try adbc("sc://cluster.example:443/;token=dapiS3cret;x-databricks-cluster-id=0123")
        #expect(spark.driver == "spark")
        #expect(spark.engine == .databricks)
        #expect(spark.target == "sc://cluster.example:443")
        #expect(spark.secrets.contains("dapiS3cret"))
        let postgres = try adbc("adbc:postgresql://u:P%40ss@h:5432/db")
        #expect(postgres.driver == "postgresql")
        #expect(postgres.target == "adbc:postgresql://u@h:5432/db")
        #expect(postgres.secrets.contains("P@ss") && postgres.secrets.contains("P%40ss"))
    }
}
