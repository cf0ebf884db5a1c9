import Foundation
import Testing
@testable import IDHealthSQL

/// The constructs PostgreSQL runs and Redshift does not: every statement the Redshift dialect
/// sends to the test server is checked against them, so a test passing on the stand-in server
/// cannot hide SQL that a Redshift cluster would refuse.
///
/// The list comes from Redshift's documentation of unsupported PostgreSQL features and
/// functions (https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-features.html,
/// …-functions.html) and of `WITH` (a recursive query joins its parts with `UNION ALL` only).
/// It cannot see what only a cluster checks: correlated subqueries Redshift cannot
/// decorrelate, or a statement that is too slow there.
enum RedshiftLint {
    struct Rule {
        let construct: String
        let pattern: NSRegularExpression

        init(_ construct: String, _ pattern: String) {
            self.construct = construct
            self.pattern = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        }
    }

    static let rules: [Rule] = [
        Rule("advisory locks", #"\bpg_(try_)?advisory"#),
        Rule("ON CONFLICT", #"\bON\s+CONFLICT\b"#),
        Rule("CREATE INDEX", #"\bCREATE\s+(UNIQUE\s+)?INDEX\b"#),
        Rule("COPY … FROM STDIN", #"\bCOPY\b[\s\S]*\bFROM\s+STDIN\b"#),
        Rule("arrays", #"\bARRAY\s*\[|\bunnest\s*\(|\barray_agg\s*\("#),
        Rule("LATERAL", #"\bLATERAL\b"#),
        Rule("FILTER (WHERE …)", #"\bFILTER\s*\(\s*WHERE\b"#),
        Rule("MATERIALIZED common table expressions", #"\bAS\s+(NOT\s+)?MATERIALIZED\b"#),
        Rule("make_interval", #"\bmake_interval\s*\("#),
        Rule("pgcrypto", #"\bdigest\s*\("#),
        Rule("pg_my_temp_schema", #"\bpg_my_temp_schema\s*\("#),
        Rule("a schema-qualified temporary table", #""pg_temp"\s*\."#),
        Rule("SET LOCAL and planner settings", #"\bSET\s+LOCAL\b|\benable_(hash|merge)join\b|\bjit\b\s*="#),
        Rule("lock_timeout", #"\block_timeout\b"#),
        Rule("string_agg", #"\bstring_agg\s*\("#),
        Rule("generate_series", #"\bgenerate_series\s*\("#),
        Rule("DISTINCT ON", #"\bDISTINCT\s+ON\b"#),
        Rule("RETURNING", #"\bRETURNING\b"#),
        Rule("to_regclass", #"\bto_regclass\s*\("#),
        Rule("leader-node-only functions (CURRENT_TIMESTAMP, NOW())", #"\bCURRENT_TIMESTAMP\b|\bnow\s*\("#),
        Rule("TEXT (Redshift's TEXT is VARCHAR(256))", #"\bAS\s+TEXT\b|"\s+TEXT\b"#),
    ]

    /// A recursive query's parts joined by `UNION` rather than `UNION ALL`.
    static let recursiveUnion = try! NSRegularExpression(pattern: #"\bUNION\b(?!\s+ALL\b)"#, options: [.caseInsensitive])

    /// The constructs of `statement` Redshift lacks, by name. String literals are blanked
    /// first, so a value that reads like SQL is not taken for it.
    static func violations(_ statement: String) -> [String] {
        let code = statement.replacingOccurrences(of: #"'(?:[^']|'')*'"#, with: "''", options: .regularExpression)
        let range = NSRange(code.startIndex..., in: code)
        var found = rules.filter { $0.pattern.firstMatch(in: code, range: range) != nil }.map(\.construct)
        // Redshift reads a backslash in a string literal as an escape (PostgreSQL does not):
        // a lone one, not doubled as Redshift's literals double it, is a mistake.
        if statement.range(of: #"'(?:[^'\\]|''|\\\\)*\\(?!\\)"#, options: .regularExpression) != nil {
            found.append("a backslash in a string literal (Redshift reads it as an escape)")
        }
        if code.range(of: #"\bWITH\s+RECURSIVE\b"#, options: [.regularExpression, .caseInsensitive]) != nil,
           recursiveUnion.firstMatch(in: code, range: range) != nil {
            found.append("UNION in a recursive query")
        }
        return found
    }
}

/// A real connection that checks every statement against ``RedshiftLint`` before running it,
/// and records a test issue naming the construct and the statement.
final class RedshiftLintingDatabase: DatabaseDecorator {
    let base: any Database

    init(wrapping base: any Database) {
        self.base = base
    }

    private func lint(_ sql: SQL) {
        let text = base.dialect.render(sql).text
        for construct in RedshiftLint.violations(text) {
            Issue.record("Redshift has no \(construct): \(text)")
        }
    }

    func execute(_ sql: SQL) throws -> Int {
        lint(sql)
        return try base.execute(sql)
    }

    func executeScript(_ sql: SQL) throws {
        // Statement by statement: a rule such as "UNION in a recursive query" is about one.
        for statement in CompileTests.statements(base.dialect.render(sql).text) { lint(SQL(unsafeRaw: statement)) }
        try base.executeScript(sql)
    }

    func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        lint(sql)
        try base.forEachRow(sql, body)
    }
}
