import Foundation
import IDHealthSQL

/// The raw history as it stood at a moment: only the rows landed by then (`uuid_ts`, when
/// Profiles Sync loaded them) or, with `field: .timestamp`, the rows of events that happened by
/// then. A materialization of these views is the graph as it was (docs/semantics.md, "Point
/// in time").
package struct PointInTime: Sendable, Hashable {
    /// Which time decides whether a row counts.
    package enum Field: String, Sendable, CaseIterable {
        case uuidTS = "uuid_ts"
        case timestamp
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    package let cutoff: String
    package let field: Field

    package init(cutoff: String, field: Field = .uuidTS) {
        self.cutoff = cutoff
        self.field = field
    }

    /// Reads `2022-06-22 10:47:59`, `2022-06-22T10:47:59Z`, `2022-06-22T12:47:59+02:00` or
    /// `2022-06-22` (midnight); a time without a zone is UTC. Nil for anything else.
    package static func parse(_ text: String, field: Field = .uuidTS) -> PointInTime? {
        var iso = text.trimmingCharacters(in: .whitespaces)
        if iso.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil { iso += "T00:00:00" }
        iso = iso.replacingOccurrences(of: " ", with: "T")
        if iso.range(of: #"(Z|[+-]\d{2}:?\d{2})$"#, options: .regularExpression) == nil { iso += "Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: iso) else { return nil }
        return PointInTime(cutoff: UTCTime.format(Int64(date.timeIntervalSince1970.rounded(.down))), field: field)
    }

    /// The moment of a `YYYY-MM-DD HH:MM:SS` UTC text, for checks that judge by "now".
    package static func date(of cutoff: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: cutoff.replacingOccurrences(of: " ", with: "T") + "Z")
    }

    /// Creates, in the connection's temporary schema, a view of each raw table of `source`
    /// holding only the rows that count at the cutoff, and returns that schema: the raw
    /// tables' schema for a materialization as of then. The views go with the connection.
    package func viewRawTables(of source: String, on database: any Database) throws -> String {
        let dialect = database.dialect
        guard dialect.hasTemporaryViews else {
            throw ConfigError("--as-of needs temporary views, which \(dialect.engine.displayName) does not have: it is for SQLite and PostgreSQL in this version")
        }
        let schema = dialect.temporarySchema
        for table in TableName.rawTables {
            let raw = QualifiedName(source, table)
            guard try database.tableExists(raw) else { throw InputError("table \(raw) not found") }
            try database.execute("DROP VIEW IF EXISTS \(table: QualifiedName(schema, table))")
            try database.execute("""
                CREATE VIEW \(table: QualifiedName(schema, table)) AS
                SELECT * FROM \(table: raw) WHERE \(ident: field.rawValue) <= \(sql: .timestamp(literal: cutoff))
                """)
        }
        return schema
    }
}
