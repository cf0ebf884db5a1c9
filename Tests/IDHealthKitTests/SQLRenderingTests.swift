import Foundation
import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// The SQL layer renders one ``SQL`` value per engine: these pin what each dialect writes for
/// representative statements, as vapor/sql-kit's serializer tests do.
@Suite("SQL rendering per dialect")
struct SQLRenderingTests {
    func render(_ sql: SQL, _ dialect: Dialect) -> RenderedSQL { dialect.render(sql) }

    @Test("identifiers, qualified names, bound values and literals")
    func parts() {
        let table = QualifiedName("my \"schema\"", "id_graph")
        let sql: SQL = "SELECT \(ident: "seg\"ment") FROM \(table: table) WHERE seq > \(bind: .integer(10)) AND kind = \(literal: "it's") AND id = \(bind: "x")"
        let sqlite = render(sql, .sqlite)
        #expect(sqlite.text == #"SELECT "seg""ment" FROM "my ""schema"""."id_graph" WHERE seq > ?1 AND kind = 'it''s' AND id = ?2"#)
        #expect(sqlite.bindings == [.integer(10), .text("x")])
        let postgres = render(sql, .postgres)
        #expect(postgres.text == #"SELECT "seg""ment" FROM "my ""schema"""."id_graph" WHERE seq > $1 AND kind = 'it''s' AND id = $2"#)
        #expect(postgres.bindings == [.integer(10), .text("x")])
    }

    @Test("placeholders follow the text, and a labelled value bound twice is one parameter")
    func placeholders() {
        let window = SQL.bind(.integer(14), label: "window_days")
        let sql: SQL = "SELECT \(sql: .regexpMatch("v", pattern: .bind("^x", label: "pattern"))), \(sql: window), \(sql: window), \(bind: .integer(14))"
        let sqlite = render(sql, .sqlite)
        // SQLite's regexp() takes the pattern first: the placeholder numbers follow the text.
        #expect(sqlite.text == "SELECT regexp(?1, v), ?2, ?2, ?3")
        #expect(sqlite.bindings == [.text("^x"), .integer(14), .integer(14)])
        #expect(sqlite.labels == ["pattern", "window_days", nil])
        let postgres = render(sql, .postgres)
        #expect(postgres.text == "SELECT (v ~ $1), $2, $2, $3")
    }

    @Test("column types come from the closed set, spelled per engine")
    func types() {
        let create = Dialect.sqlite.createTable(QualifiedName("main", "t"), columns: [
            ColumnDefinition("id", .text, notNull: true), ColumnDefinition("n", .integer), ColumnDefinition("x", .real),
            ColumnDefinition("at", .timestamp), ColumnDefinition("any", .untyped),
        ], ifNotExists: true)
        #expect(render(create, .sqlite).text == #"CREATE TABLE IF NOT EXISTS "main"."t" ("id" TEXT NOT NULL, "n" BIGINT, "x" REAL, "at" TEXT, "any" )"#)
        #expect(render(create, .postgres).text == #"CREATE TABLE IF NOT EXISTS "main"."t" ("id" TEXT NOT NULL, "n" BIGINT, "x" DOUBLE PRECISION, "at" TIMESTAMPTZ, "any" TEXT)"#)
        #expect(render(Dialect.postgres.addColumn(ColumnDefinition("tier", .boolean), to: QualifiedName("s", "p")), .postgres).text == #"ALTER TABLE "s"."p" ADD COLUMN "tier" BOOLEAN"#)
    }

    @Test("declared catalog types map onto the closed set; nothing else reaches a statement")
    func portableTypes() {
        #expect(Dialect.sqlite.portableType(ofDeclared: "TEXT; CREATE TABLE IF NOT EXISTS pwned(a)") == .text)
        #expect(Dialect.sqlite.portableType(ofDeclared: "INT") == .integer)
        #expect(Dialect.sqlite.portableType(ofDeclared: "") == .untyped)
        #expect(Dialect.sqlite.portableType(ofDeclared: "DECIMAL(10,2)") == .numeric)
        #expect(Dialect.postgres.portableType(ofDeclared: "character varying(20)") == .text)
        #expect(Dialect.postgres.portableType(ofDeclared: "integer") == .integer)
        #expect(Dialect.postgres.portableType(ofDeclared: "numeric(10,2)") == .numeric)
        #expect(Dialect.postgres.portableType(ofDeclared: "timestamp(3) without time zone") == .timestamp)
        #expect(Dialect.postgres.portableType(ofDeclared: #"s."TEXT; CREATE TABLE pwned(a)""#) == .text)
        #expect(render(Dialect.postgres.conform("t.x", declared: "character varying(20)"), .postgres).text == "CAST(t.x AS TEXT)")
        #expect(render(Dialect.postgres.conform("t.x", declared: "text"), .postgres).text == "t.x")
        #expect(render(Dialect.sqlite.conform("t.x", declared: "VARCHAR(20)"), .sqlite).text == "t.x")
    }

    @Test("expressions each engine spells its own way")
    func expressions() {
        let hours: SQL = "SELECT \(sql: .minusHours("h.x", 2)), \(sql: .timestampText("ts")), \(sql: .dayText("ts")), \(sql: .timestamp(bind: "2026-01-01 00:00:00"))"
        #expect(render(hours, .sqlite).text == "SELECT datetime(h.x, '-7200 seconds'), strftime('%Y-%m-%d %H:%M:%S', ts), substr(strftime('%Y-%m-%d %H:%M:%S', ts), 1, 10), ?1")
        #expect(render(hours, .postgres).text == "SELECT ((h.x) - make_interval(secs => 7200)), to_char((ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), to_char((ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), CAST($1 AS TIMESTAMPTZ)")
        let hash: SQL = "SELECT \(sql: SHA1Support.available(functionSchema: "ext").hex("x.t || x.v")!)"
        #expect(render(hash, .sqlite).text == "SELECT idhealth_sha1(x.t || x.v)")
        #expect(render(hash, .postgres).text == #"SELECT encode("ext".digest(CAST(x.t || x.v AS TEXT), 'sha1'), 'hex')"#)
        #expect(SHA1Support.unavailable(reason: "no").hex("x") == nil)
    }

    @Test("statements whose form differs: indexes, transactions, catalog lookups")
    func statements() {
        let index = { (d: Dialect) in d.createIndex("idx", on: QualifiedName("s", "t"), columns: ["a", "b"], unique: true) }
        #expect(render(index(.sqlite)!, .sqlite).text == #"CREATE UNIQUE INDEX "s"."idx" ON "t" ("a", "b")"#)
        #expect(render(index(.postgres)!, .postgres).text == #"CREATE UNIQUE INDEX "idx" ON "s"."t" ("a", "b")"#)
        #expect(index(.redshift) == nil, "Redshift has no indexes")
        #expect(render(Dialect.sqlite.beginWriteTransaction, .sqlite).text == "BEGIN IMMEDIATE")
        #expect(render(Dialect.postgres.beginWriteTransaction, .postgres).text == "BEGIN")
        let lookup = Dialect.sqlite.relationKindQuery(QualifiedName("main", "id_graph"))
        #expect(render(lookup, .sqlite).text == #"SELECT type FROM "main"."sqlite_master" WHERE type IN ('table', 'view') AND name = ?1"#)
        #expect(render(lookup, .sqlite).bindings == [.text("id_graph")])
        #expect(Dialect.sqlite.analyzeNewTable(QualifiedName("s", "t")) == nil)
        #expect(render(Dialect.postgres.analyzeNewTable(QualifiedName("s", "t"))!, .postgres).text == #"ANALYZE "s"."t""#)
    }

    @Test("the shared latest-row rule orders by seq, landing, then the tie-break column")
    func latestRowRule() {
        #expect(render(LatestRowRule.pointer.latestFirst("u"), .sqlite).text == #"u.seq DESC, u.uuid_ts DESC NULLS LAST, u."canonical_segment_id" DESC"#)
        #expect(render(LatestRowRule.pointer.latestFirst("s", tieBreak: "target"), .postgres).text == #"s.seq DESC, s.uuid_ts DESC NULLS LAST, s."target" DESC"#)
        #expect(render(LatestRowRule.snapshot.latestFirst("o"), .sqlite).text == "o.seq DESC, o.uuid_ts DESC NULLS LAST")
    }
}
