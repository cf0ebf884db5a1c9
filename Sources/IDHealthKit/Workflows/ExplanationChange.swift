import Foundation
import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks

/// `idhealth explain ID --as-of T1 --compare-to T2`: what happened to the profile of ID between
/// two moments (T2 `now`: the current tables) — the answer to "what did this merge do to this
/// person?".
///
/// The state at T1 is rebuilt in the connection's temporary tables (``PointInTime``); the
/// members and external ids of ID's profile then are kept in two small temporary tables
/// before the state at T2 is rebuilt (or the current tables read), and the differences are
/// computed in the database. Lists are capped like the explanation's; the counts are exact.
package struct ExplanationChange: Sendable, Codable, Equatable {
    package struct TraitChange: Sendable, Codable, Equatable {
        package let name: String
        package let before: String?
        package let after: String?
    }

    package var schemaVersion = "1.0.0"
    package let asked: String
    package let from: String
    /// `now`, or a moment as `YYYY-MM-DD HH:MM:SS` UTC.
    package let to: String
    package let profileBefore: String?
    package let profileAfter: String?
    package let membersGained: [String]
    package let membersGainedCount: Int64
    package let membersLost: [String]
    package let membersLostCount: Int64
    package let externalIdsAdded: [String]
    package let externalIdsAddedCount: Int64
    package let externalIdsRemoved: [String]
    package let externalIdsRemovedCount: Int64
    package let traitsChanged: [TraitChange]

    static let beforeMembers = "explain_before_members", beforeIDs = "explain_before_external_ids"

    package static func compare(_ id: String, database: any Database, schemas current: Schemas, masker: Masker, traitNulls: TraitNulls,
                                from: PointInTime, to: PointInTime?) throws -> ExplanationChange {
        let temp = database.dialect.temporarySchema
        let members = QualifiedName(temp, beforeMembers), ids = QualifiedName(temp, beforeIDs)
        // The state at `from`, and what the profile of `id` held then.
        let before = try state(at: from, database: database, current: current, traitNulls: traitNulls)
        let profileBefore = try profile(of: id, in: before, database: database)
        for table in [members, ids] { try database.execute("DROP TABLE IF EXISTS \(table: table)") }
        try database.execute("""
            CREATE TABLE \(table: members) AS
            SELECT g.segment_id AS segment_id FROM \(table: before.target(TableName.idGraph)) g WHERE g.canonical_segment_id = \(bind: .text(profileBefore ?? ""))
            """)
        try database.execute("""
            CREATE TABLE \(table: ids) AS
            SELECT DISTINCT x.external_id_type AS external_id_type, x.external_id_value AS external_id_value
            FROM \(table: before.source(TableName.externalIDMappingUpdates)) x WHERE x.segment_id IN (SELECT m.segment_id FROM \(table: members) m)
            """)
        let traitsBefore = try traitRow(of: profileBefore, in: before, database: database)
        defer { for table in [members, ids] { _ = try? database.execute("DROP TABLE IF EXISTS \(table: table)") } }

        // The state at `to` (or now), and the differences.
        let after = try to.map { try state(at: $0, database: database, current: current, traitNulls: traitNulls) } ?? current
        let profileAfter = try profile(of: id, in: after, database: database)
        let graph = after.target(TableName.idGraph), raw = after.source(TableName.externalIDMappingUpdates)
        let afterMembers: SQL = "SELECT g.segment_id FROM \(table: graph) g WHERE g.canonical_segment_id = \(bind: .text(profileAfter ?? ""))"
        let (gained, gainedCount) = try capped(database, "SELECT a.segment_id AS item FROM (\(sql: afterMembers)) a WHERE a.segment_id NOT IN (SELECT m.segment_id FROM \(table: members) m)")
        let (lost, lostCount) = try capped(database, "SELECT m.segment_id AS item FROM \(table: members) m WHERE m.segment_id NOT IN (\(sql: afterMembers))")
        let afterIDs: SQL = "SELECT DISTINCT x.external_id_type, x.external_id_value FROM \(table: raw) x WHERE x.segment_id IN (\(sql: afterMembers))"
        let (added, addedCount) = try capped(database, """
            SELECT a.external_id_type AS item_type, a.external_id_value AS item FROM (\(sql: afterIDs)) a
            WHERE NOT EXISTS (SELECT 1 FROM \(table: ids) b WHERE b.external_id_type = a.external_id_type AND b.external_id_value = a.external_id_value)
            """, masker: masker)
        let (removed, removedCount) = try capped(database, """
            SELECT b.external_id_type AS item_type, b.external_id_value AS item FROM \(table: ids) b
            WHERE NOT EXISTS (SELECT 1 FROM (\(sql: afterIDs)) a WHERE a.external_id_type = b.external_id_type AND a.external_id_value = b.external_id_value)
            """, masker: masker)
        let traitsAfter = try traitRow(of: profileAfter, in: after, database: database)
        let names = (traitsBefore.keys.sorted() + traitsAfter.keys.sorted()).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let changed = names.compactMap { name -> TraitChange? in
            let old = traitsBefore[name] ?? nil, new = traitsAfter[name] ?? nil
            guard old != new else { return nil }
            let shown: (String?) -> String? = { value in value.map { Masker.isPersonal(column: name) ? masker.mask($0) : $0 } }
            return TraitChange(name: name, before: shown(old), after: shown(new))
        }
        return ExplanationChange(asked: id, from: from.cutoff, to: to?.cutoff ?? "now", profileBefore: profileBefore, profileAfter: profileAfter,
                                 membersGained: gained, membersGainedCount: gainedCount, membersLost: lost, membersLostCount: lostCount,
                                 externalIdsAdded: added, externalIdsAddedCount: addedCount, externalIdsRemoved: removed,
                                 externalIdsRemovedCount: removedCount, traitsChanged: changed)
    }

    /// The graph as of `point`, rebuilt into the connection's temporary tables.
    static func state(at point: PointInTime, database: any Database, current: Schemas, traitNulls: TraitNulls) throws -> Schemas {
        // Rebuilt beside the views (the temporary schema where views are temporary; on
            // Snowflake the connection's own schema, where no table is named like one in
            // the current schema).
            let views = try point.viewRawTables(of: current.source, on: database)
            let past = Schemas(source: views, target: views)
        _ = try Materializer(database: database, schemas: past, traitNulls: traitNulls).run(mode: .table)
        return past
    }

    /// The profile `id` belonged to in a state: its canonical, itself when it is one, nil when
    /// it was not there yet.
    static func profile(of id: String, in schemas: Schemas, database: any Database) throws -> String? {
        let graph = schemas.target(TableName.idGraph)
        if let canonical = try database.scalar("SELECT canonical_segment_id FROM \(table: graph) WHERE segment_id = \(bind: .text(id))").stringValue { return canonical }
        return try database.scalar("SELECT COUNT(*) FROM \(table: graph) WHERE canonical_segment_id = \(bind: .text(id))").intValue ?? 0 > 0 ? id : nil
    }

    /// A profile's trait values by column (NULL kept), empty when it has no row.
    static func traitRow(of profile: String?, in schemas: Schemas, database: any Database) throws -> [String: String?] {
        guard let profile, try database.tableExists(schemas.target(TableName.profileTraits)) else { return [:] }
        guard let row = try database.firstRow("SELECT * FROM \(table: schemas.target(TableName.profileTraits)) WHERE canonical_segment_id = \(bind: .text(profile))") else { return [:] }
        var values: [String: String?] = [:]
        for (column, value) in zip(row.columns, row.values) where TableName.isTraitColumn(column, in: database.dialect) { values[column] = value.stringValue }
        return values
    }

    /// The first ``Explanation/listLimit`` items of a query (`item`, with `item_type` for an
    /// external id) in order, and how many there are.
    static func capped(_ database: any Database, _ query: SQL, masker: Masker? = nil) throws -> ([String], Int64) {
        let count = try database.scalar("SELECT COUNT(*) FROM (\(sql: query)) q").intValue ?? 0
        let rows = try database.rows("SELECT * FROM (\(sql: query)) q ORDER BY \(sql: masker == nil ? "q.item" : "q.item_type, q.item")", limit: Explanation.listLimit)
        return (rows.map { row in
            guard let masker else { return row["item"].stringValue ?? "" }
            return "\(row["item_type"].stringValue ?? ""):\(masker.mask(row["item"].stringValue ?? ""))"
        }, count)
    }

    /// The change for a terminal, or as Markdown.
    package func text(markdown: Bool) -> String {
        let code: (String) -> String = { markdown ? "`\($0)`" : $0 }
        var lines = [markdown ? "## \(code(asked)) from \(from) to \(to)" : "\(asked) from \(from) to \(to) (UTC)", ""]
        lines.append("Profile: \(profileBefore.map(code) ?? "(not there yet)") → \(profileAfter.map(code) ?? "(gone)")")
        func list(_ title: String, _ items: [String], _ count: Int64) {
            lines += ["", (markdown ? "### " : "") + "\(title) (\(count))"]
            if items.isEmpty { lines.append("(none)") } else { lines += items.map { (markdown ? "* " : "  ") + code($0) } }
            if count > Int64(items.count) { lines.append("… and \(count - Int64(items.count)) more") }
        }
        list("Members gained", membersGained, membersGainedCount)
        list("Members lost", membersLost, membersLostCount)
        list("External ids added", externalIdsAdded, externalIdsAddedCount)
        list("External ids removed", externalIdsRemoved, externalIdsRemovedCount)
        lines += ["", (markdown ? "### " : "") + "Traits changed (\(traitsChanged.count))"]
        lines += traitsChanged.isEmpty ? ["(none)"] : traitsChanged.map { (markdown ? "* " : "  ") + "\($0.name): \($0.before ?? "NULL") → \($0.after ?? "NULL")" }
        return lines.joined(separator: "\n") + "\n"
    }

    package func json() throws -> Data {
        try Explanation.encoder.encode(self)
    }
}
