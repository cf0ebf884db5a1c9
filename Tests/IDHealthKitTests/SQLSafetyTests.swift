import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// What may reach a database: one statement at a time, values bound, types from the closed
/// set; and, checked over the source tree, no SQL glued from text outside the SQL layer.
@Suite("SQL safety")
struct SQLSafetyTests {
    /// Whether a table named `name` exists anywhere the connection can see.
    func tableAnywhere(_ test: TestDatabase, _ name: String) throws -> Bool {
        switch test.database.dialect.engine {
        case .sqlite:
            return try test.database.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = \(bind: .text(name))").intValue != 0
                || test.database.scalar("SELECT COUNT(*) FROM sqlite_temp_master WHERE name = \(bind: .text(name))").intValue != 0
        case .postgres, .redshift, .snowflake, .bigquery, .databricks:
            return try test.database.scalar("SELECT COUNT(*) FROM pg_class WHERE relname = \(bind: .text(name))").intValue != 0
        }
    }

    @Test("execute runs exactly one statement; a second one in the text is refused, not run", arguments: TestDatabase.engines)
    func oneStatement(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let second = SQL(unsafeRaw: "SELECT 1; CREATE TABLE pwned_by_execute(a TEXT)")
            #expect(throws: DatabaseError.self) { try test.database.execute(second) }
            #expect(throws: DatabaseError.self) { try test.database.rows(second) }
            #expect(try !tableAnywhere(test, "pwned_by_execute"))
            // A script is the explicit way to run several, and it binds nothing.
            try test.database.executeScript("CREATE TABLE \(table: test.schemas.source("script_a")) (a TEXT); CREATE TABLE \(table: test.schemas.source("script_b")) (b TEXT);")
            #expect(try tableAnywhere(test, "script_a") && tableAnywhere(test, "script_b"))
            #expect(throws: DatabaseError.self) { try test.database.executeScript("SELECT \(bind: .integer(1))") }
            // A trailing semicolon or comment is not a second statement.
            #expect(try test.database.execute("SELECT 1; -- done") >= 0)
        }
    }

    /// A raw trait column whose declared type is itself SQL: SQLite stores a quoted type name
    /// as written, and PostgreSQL reports a domain's name, so the catalog hands idhealth text
    /// like `TEXT; CREATE TABLE IF NOT EXISTS pwned(a)`. It must never run.
    // The hostile type is made with a PostgreSQL domain, which Redshift does not have; the
    // mapping it tests is the same code for both.
    @Test("a trait column's declared type from the catalog is mapped, never pasted", arguments: [Dialect.Engine.sqlite, .postgres])
    func hostileDeclaredType(engine: Dialect.Engine) throws {
        try TestDatabase.with(engine) { test in
            let d = test.database.dialect
            let hostile = "TEXT; CREATE TABLE IF NOT EXISTS pwned(a)"
            try MaterializationModeTests.seed(test)
            _ = try Materializer(database: test.database, schemas: test.schemas, etlOverlapHours: 0).run(mode: .incremental)
            let raw = QualifiedName(test.schemas.source, TableName.profileTraitsUpdates)
            switch engine {
            case .sqlite:
                try test.database.execute("ALTER TABLE \(table: raw) ADD COLUMN tier \(ident: hostile)")
            case .postgres, .redshift, .snowflake, .bigquery, .databricks:
                try test.database.execute("CREATE DOMAIN \(table: QualifiedName(test.schemas.source, hostile)) AS TEXT")
                try test.database.execute("ALTER TABLE \(table: raw) ADD COLUMN tier \(table: QualifiedName(test.schemas.source, hostile))")
            }
            let declared = try test.database.columnTypes(raw).first { $0.name == "tier" }?.type ?? ""
            #expect(declared.contains("CREATE TABLE IF NOT EXISTS pwned(a)"), "the catalog hands back the text: \(declared)")
            try test.database.execute("UPDATE \(table: raw) SET tier = 'gold' WHERE segment_id = 'a'")
            try test.insertRaw(TableName.profileTraitsUpdates, columns: MaterializationModeTests.traitColumns + ["tier"], rows: [["t9", "c", test.time(9), test.time(9), 9, .null, .null, "silver"]])

            let incremental = try Materializer(database: test.database, schemas: test.schemas, etlOverlapHours: 0).run(mode: .incremental)
            #expect(incremental.incremental)
            #expect(incremental.addedTraitColumns == ["tier"])
            #expect(try !tableAnywhere(test, "pwned"), "the declared type ran as SQL")
            let profiles = QualifiedName(test.schemas.target, TableName.profileTraits)
            let tiers = try test.database.rows("SELECT canonical_segment_id, tier FROM \(table: profiles) ORDER BY canonical_segment_id").map(\.values)
            #expect(tiers == [[.text("a"), .text("gold")], [.text("b"), .null], [.text("c"), .text("silver")]])
            let stored = try test.database.columnTypes(profiles).first { $0.name == "tier" }?.type ?? ""
            #expect(d.portableType(ofDeclared: stored) == .text)
            // A full rebuild gives the same column, of the same portable type.
            _ = try Materializer(database: test.database, schemas: test.schemas).run(mode: .table)
            #expect(try test.database.rows("SELECT canonical_segment_id, tier FROM \(table: profiles) ORDER BY canonical_segment_id").map(\.values) == tiers)
            #expect(try !tableAnywhere(test, "pwned"))
        }
    }

    // MARK: - Lint

    /// The layer allowed to assemble SQL from text: the SQL value itself, the dialects that
    /// render it, and the database connections.
    static let sqlLayer = ["Sources/IDHealthSQL/"]
    /// The one place outside it that may call `SQL(unsafeRaw:)`: the renderer of check files,
    /// whose text is SQL written by the check's author.
    static let unsafeRawAllowed = ["Sources/IDHealthChecks/CheckSQL.swift"]

    @Test("no SQL is built by interpolating text outside the SQL layer")
    func noInterpolatedSQLOutsideTheSQLLayer() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var findings: [String] = []
        let sources = FileManager.default.enumerator(at: root.appendingPathComponent("Sources"), includingPropertiesForKeys: nil)
        var checked = 0
        while let url = sources?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let relative = String(url.path.dropFirst(root.path.count + 1))
            if Self.sqlLayer.contains(where: relative.hasPrefix) { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            checked += 1
            findings += SwiftStringLint.findings(in: text, file: relative, allowUnsafeRaw: Self.unsafeRawAllowed.contains(relative))
        }
        #expect(checked > 20, "the lint read \(checked) files: is the Sources path right?")
        #expect(findings.isEmpty, "SQL built from text outside the SQL layer:\n\(findings.joined(separator: "\n"))")
    }

    @Test("the lint itself finds what it must")
    func lintFindsGlue() {
        let glued = #"""
        let sql = "SELECT * FROM \(table) WHERE id = \(id)"
        let typed: SQL = "SELECT * FROM \(table: name) WHERE id = \(bind: .text(id))"
        let multi = """
            DELETE FROM \(ident: x)
            WHERE a = \(someString)
            """
        let message = "table \(name) not found"
        let raw = SQL(unsafeRaw: text)
        // "SELECT \(commented)" in a comment is fine
        """#
        let findings = SwiftStringLint.findings(in: glued, file: "x.swift", allowUnsafeRaw: false)
        #expect(findings.count == 4, "\(findings)")
        #expect(findings.contains { $0.contains("x.swift:1") && $0.contains("\\(table)") })
        #expect(findings.contains { $0.contains("x.swift:1") && $0.contains("\\(id)") })
        #expect(findings.contains { $0.contains("x.swift:5") && $0.contains("\\(someString)") })
        #expect(findings.contains { $0.contains("x.swift:8") && $0.contains("unsafeRaw") })
    }
}

/// A small scanner of Swift source: finds string literals that look like SQL and interpolate
/// anything but the typed interpolations of ``SQL``, and calls of `SQL(unsafeRaw:)`.
enum SwiftStringLint {
    static let typedLabels = ["ident:", "table:", "bind:", "literal:", "type:", "sql:", "unsafeRaw:"]
    static let keyword = try! NSRegularExpression(pattern: #"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|FROM|WHERE|JOIN|UNION|EXCEPT|ANALYZE|ATTACH|PRAGMA|VALUES)\b"#)

    struct Literal {
        var line: Int
        var text = ""
        /// Each interpolation's expression and the line it is on.
        var interpolations: [(expression: String, line: Int)] = []
    }

    static func findings(in source: String, file: String, allowUnsafeRaw: Bool) -> [String] {
        var results: [String] = []
        for literal in literals(in: source) {
            let range = NSRange(literal.text.startIndex..., in: literal.text)
            guard keyword.firstMatch(in: literal.text, range: range) != nil else { continue }
            for interpolation in literal.interpolations {
                let head = interpolation.expression.trimmingCharacters(in: .whitespaces)
                if !typedLabels.contains(where: head.hasPrefix) {
                    results.append("\(file):\(interpolation.line): SQL-looking text interpolates \\(\(interpolation.expression))")
                }
            }
        }
        if !allowUnsafeRaw {
            for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.components(separatedBy: "//").first ?? ""
                if code.contains("unsafeRaw") || code.contains("stringLiteral:") {
                    results.append("\(file):\(index + 1): unsafeRaw outside the SQL layer")
                }
            }
        }
        return results
    }

    /// Every string literal of the source with its interpolations (comments skipped).
    static func literals(in source: String) -> [Literal] {
        let chars = Array(source)
        var literals: [Literal] = []
        var i = 0
        var line = 1
        func at(_ offset: Int, _ text: String) -> Bool {
            let needle = Array(text)
            guard offset + needle.count <= chars.count else { return false }
            return Array(chars[offset..<offset + needle.count]) == needle
        }
        /// Reads a literal starting at `i` (at its opening quote or hashes); returns its end.
        func readLiteral(from start: Int) -> (Literal, Int) {
            var j = start
            var hashes = 0
            while chars[j] == "#" { hashes += 1; j += 1 }
            let multi = at(j, "\"\"\"")
            j += multi ? 3 : 1
            var literal = Literal(line: line)
            let closing = (multi ? "\"\"\"" : "\"") + String(repeating: "#", count: hashes)
            let escape = "\\" + String(repeating: "#", count: hashes)
            while j < chars.count {
                if at(j, closing) { return (literal, j + closing.count) }
                if chars[j] == "\n" { line += 1 }
                if at(j, escape + "(") {
                    let startLine = line
                    j += escape.count + 1
                    var depth = 1
                    var expression = ""
                    while j < chars.count, depth > 0 {
                        if chars[j] == "\"" || (chars[j] == "#" && at(j, "#\"")) {
                            let (inner, end) = readLiteral(from: j)
                            literals.append(inner)
                            expression += "\"…\""
                            j = end
                            continue
                        }
                        if chars[j] == "(" { depth += 1 }
                        if chars[j] == ")" { depth -= 1; if depth == 0 { break } }
                        expression.append(chars[j])
                        j += 1
                    }
                    literal.interpolations.append((expression, startLine))
                    literal.text += " "
                    j += 1
                    continue
                }
                if at(j, escape) && hashes == 0 && j + 1 < chars.count {
                    literal.text.append(chars[j + 1])
                    j += 2
                    continue
                }
                literal.text.append(chars[j])
                j += 1
            }
            return (literal, j)
        }
        while i < chars.count {
            if at(i, "//") {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if at(i, "/*") {
                while i < chars.count, !at(i, "*/") { if chars[i] == "\n" { line += 1 }; i += 1 }
                i += 2
                continue
            }
            if chars[i] == "\n" { line += 1; i += 1; continue }
            if chars[i] == "\"" || (chars[i] == "#" && (at(i, "#\"") || at(i, "##\""))) {
                let (literal, end) = readLiteral(from: i)
                literals.append(literal)
                i = end
                continue
            }
            i += 1
        }
        return literals
    }
}
