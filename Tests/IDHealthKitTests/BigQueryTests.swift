import Foundation
import Testing
@testable import IDHealthSQL

/// What idhealth reads from a `bigquery://` URI and from the REST API's rows. (The runtime
/// itself runs against the emulator: the golden, truth and incremental suites, WarehouseTests.)
@Suite("BigQuery URI and values")
struct BigQueryTests {
    @Test("bigquery://PROJECT[/DATASET][?location=&endpoint=] is read part by part; the target never shows a token")
    func uri() throws {
        let plain = try #require(try BigQueryLocation("bigquery://analytics-prod"))
        #expect(plain.project == "analytics-prod")
        #expect(plain.dataset == nil)
        #expect(plain.location == nil)
        #expect(plain.endpoint == "https://bigquery.googleapis.com")
        #expect(plain.target == "bigquery://analytics-prod")

        let full = try #require(try BigQueryLocation("bigquery://example.com:analytics/raw?location=europe-west3&endpoint=http://127.0.0.1:9050/"))
        #expect(full.project == "example.com:analytics")
        #expect(full.dataset == "raw")
        #expect(full.location == "europe-west3")
        #expect(full.endpoint == "http://127.0.0.1:9050")
        #expect(full.target == "bigquery://example.com:analytics/raw at http://127.0.0.1:9050")

        #expect(try BigQueryLocation("snowflake://x") == nil)
        #expect(try DatabaseLocation("bigquery://p").engine == .bigquery)
    }

    @Test("a bad part of the URI is exit 2 naming it, without echoing a value that may be a secret")
    func badURIs() {
        let cases: [(String, String)] = [
            ("bigquery://", "give bigquery://PROJECT"),
            ("bigquery://Upper_Case", "the project id holds characters"),
            ("bigquery://p/a-b", "a dataset name is letters, digits and underscores"),
            ("bigquery://p/a/b", "give bigquery://PROJECT"),
            ("bigquery://p?location=", "`location` needs a value"),
            ("bigquery://p?location=us;DROP", "location= is a region"),
            ("bigquery://p?endpoint=ftp://x", "endpoint= is an http:// or https:// address"),
            ("bigquery://p?endpoint=https://u:pw@proxy", "without credentials"),
            ("bigquery://p?access_token=ya29.secret", "unknown parameter `access_token`"),
        ]
        for (text, message) in cases {
            do {
                _ = try BigQueryLocation(text)
                Issue.record("\(text) was taken")
            } catch let error as ConfigError {
                #expect(error.kind == .invalidRequest)
                #expect("\(error)".contains(message), "\(text): \(error)")
                #expect(!"\(error)".contains("ya29.secret") && !"\(error)".contains(":pw@"), "\(error)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    @Test("the token is read from GOOGLE_OAUTH_ACCESS_TOKEN, then CLOUDSDK_AUTH_ACCESS_TOKEN; blank is none")
    func token() {
        #expect(BigQueryLocation.accessToken(in: ["GOOGLE_OAUTH_ACCESS_TOKEN": " ya29.a \n", "CLOUDSDK_AUTH_ACCESS_TOKEN": "ya29.b"]) == "ya29.a")
        #expect(BigQueryLocation.accessToken(in: ["GOOGLE_OAUTH_ACCESS_TOKEN": "", "CLOUDSDK_AUTH_ACCESS_TOKEN": "ya29.b"]) == "ya29.b")
        #expect(BigQueryLocation.accessToken(in: [:]) == nil)
    }

    @Test("a REST cell becomes the value every other engine gives: times in UTC text, numbers typed, NULL as NULL")
    func values() throws {
        func value(_ cell: Any, _ type: String) throws -> SQLValue { try BigQueryDatabase.value(cell, type: type, sql: "SELECT …") }
        #expect(try value("1704067201123456", "TIMESTAMP") == .text("2024-01-01 00:00:01.123456+00"))
        #expect(try value("-1000000", "TIMESTAMP") == .text("1969-12-31 23:59:59+00"))
        #expect(try value("1.7040672E9", "TIMESTAMP") == .text("2024-01-01 00:00:00+00"))
        #expect(try value("42", "INTEGER") == .integer(42))
        #expect(try value("42", "NUMERIC") == .integer(42))
        #expect(try value("0.5", "BIGNUMERIC") == .real(0.5))
        #expect(try value("2.5", "FLOAT") == .real(2.5))
        #expect(try value("true", "BOOLEAN") == .integer(1))
        #expect(try value("false", "BOOL") == .integer(0))
        #expect(try value("2024-01-02T03:04:05", "DATETIME") == .text("2024-01-02 03:04:05"))
        #expect(try value("2024-01-02", "DATE") == .text("2024-01-02"))
        #expect(try value(NSNull(), "STRING") == .null)
        #expect(try value("o'brien", "STRING") == .text("o'brien"))
        #expect(throws: DatabaseError.self) { try value("not a number", "INT64") }
        #expect(BigQueryDatabase.standardTypeName("INTEGER") == "INT64")
        #expect(BigQueryDatabase.standardTypeName("TIMESTAMP") == "TIMESTAMP")
    }
}
