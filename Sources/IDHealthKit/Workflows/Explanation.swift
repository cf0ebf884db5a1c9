import Foundation
import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks

/// `idhealth explain ID`: the profile an id belongs to now, how and when each of its members
/// joined it, its external ids and its traits, read in the database (docs/command-line.md,
/// "explain").
///
/// The current state comes from the materialized tables (the profile, its members, its
/// traits); how each member joined comes from the raw history: the `id_graph_updates` row
/// that set its current pointer, with the event that wrote it, and the external id rows of
/// the profile's members. Lists are capped; the counts say what was left out.
package struct Explanation: Sendable, Codable, Equatable {
    /// How the asked id was found.
    package enum AskedKind: String, Sendable, Codable {
        case segmentID = "segment_id"
        case canonical = "canonical_segment_id"
        case externalID = "external_id"
    }

    package struct Member: Sendable, Codable, Equatable {
        package let segmentID: String
        /// `itself` for the canonical, `merged` (its pointer names the profile), `chain` (it
        /// names another merged id), `cycle` (the canonical a broken cycle was given, whose
        /// own pointer leads on round the cycle).
        package let how: String
        /// The id its current pointer names (the canonical, or for a chain the next id).
        package let pointsTo: String?
        /// When its current pointer was written (`YYYY-MM-DD HH:MM:SS`, UTC).
        package let joinedAt: String?
        package let eventType: String?
        package let eventID: String?
        /// The external ids the event that merged it brought (rows with the same event id).
        package let broughtExternalIds: [String]
    }

    package struct ExternalID: Sendable, Codable, Equatable {
        package let type: String
        /// Masked unless `--show-values`.
        package let value: String
        package let firstSeen: String?
        package let lastSeen: String?
        /// Other live profiles a raw row of the same type and value resolves to.
        package let otherProfiles: Int64
    }

    package struct Trait: Sendable, Codable, Equatable {
        package let name: String
        package let value: String
        /// The member whose snapshot the value came from, and when that snapshot landed
        /// (`uuid_ts`); nil where idhealth's state table is not there (tables it did not build).
        package var fromSegmentID: String?
        package var landedAt: String?
    }

    /// A health finding that touches the profile, by the check that reports it.
    package struct Finding: Sendable, Codable, Equatable {
        package let check: String
        package let message: String
    }

    /// The version of this shape (schema/explain.schema.json).
    package var schemaVersion = "1.0.0"
    package let asked: String
    package let askedKind: AskedKind
    /// The moment explained (`YYYY-MM-DD HH:MM:SS` UTC, by `asOfField`), nil for now.
    package var asOf: String?
    package var asOfField: String?
    package let profile: String
    package let memberCount: Int64
    package let members: [Member]
    package let externalIdCount: Int64
    package let externalIds: [ExternalID]
    package let traits: [Trait]
    package let findings: [Finding]
    /// What the capped lists left out, in words; empty when nothing was.
    package let leftOut: [String]

    /// At most this many members and external ids are listed (a super-profile has thousands).
    package static let listLimit = 50

    /// Explains `id`: a segment_id, a canonical_segment_id, or an external id `TYPE:VALUE`
    /// (found by its hash, sha1 of type || value, as Profiles Sync computes it). An id the
    /// tables do not know is an ``InputError`` naming it and the table.
    ///
    /// With `asOf`, the profile as it stood then: the graph is rebuilt from the raw rows that
    /// counted then (``PointInTime``) into the connection's temporary tables, a full rebuild
    /// that the current tables never see, and explained from there.
    package static func explain(_ id: String, database: any Database, schemas current: Schemas, masker: Masker,
                                traitNulls: TraitNulls = .keepLastValue, settings: CheckSettings = CheckSettings(),
                                asOf: PointInTime? = nil) throws -> Explanation {
        var schemas = current
        if let asOf {
            // Rebuilt beside the views (the temporary schema where views are temporary; on
            // Snowflake the connection's own schema, where no table is named like one in
            // the current schema).
            let views = try asOf.viewRawTables(of: current.source, on: database)
            let past = Schemas(source: views, target: views)
            _ = try Materializer(database: database, schemas: past, traitNulls: traitNulls).run(mode: .table)
            schemas = past
        }
        let graph = schemas.target(TableName.idGraph), mapping = schemas.target(TableName.externalIDMapping)
        guard try database.tableExists(graph) else {
            throw InputError("table \(graph) not found: run `idhealth materialize` first, then explain")
        }
        var kind = AskedKind.segmentID
        var canonical = try database.scalar("SELECT canonical_segment_id FROM \(table: graph) WHERE segment_id = \(bind: .text(id))").stringValue
        if canonical == nil, try database.scalar("SELECT COUNT(*) FROM \(table: graph) WHERE canonical_segment_id = \(bind: .text(id))").intValue ?? 0 > 0 {
            (kind, canonical) = (.canonical, id)
        }
        if canonical == nil, let colon = id.firstIndex(of: ":"), try database.tableExists(mapping) {
            let hash = SHA1Hex.digest(String(id[..<colon]) + String(id[id.index(after: colon)...]))
            canonical = try database.scalar("SELECT canonical_segment_id FROM \(table: mapping) WHERE external_id_hash = \(bind: .text(hash))").stringValue
            if canonical != nil { kind = .externalID }
        }
        guard let profile = canonical else {
            // A segment_id is not personal data and is shown as typed, so a typo can be seen; the
            // value of a TYPE:VALUE external id is masked like any other.
            let shown = id.firstIndex(of: ":").map { String(id[...$0]) + masker.mask(String(id[id.index(after: $0)...])) } ?? id
            let tables = asOf != nil ? "the graph as of then" : "\(graph)"
            throw InputError("`\(shown)` is neither a segment_id of \(tables) nor an external id TYPE:VALUE of \(asOf != nil ? "its external ids" : "\(mapping)")")
        }
        if kind == .segmentID, profile == id { kind = .canonical }

        let members = try self.members(of: profile, database: database, schemas: schemas, masker: masker)
        let memberCount = try database.scalar("SELECT COUNT(*) FROM \(table: graph) WHERE canonical_segment_id = \(bind: .text(profile))").intValue ?? 0
        let (externalIds, externalIdCount) = try self.externalIds(of: profile, database: database, schemas: schemas, masker: masker)
        let traits = try self.traits(of: profile, database: database, schemas: schemas, masker: masker, traitNulls: traitNulls)
        var leftOut: [String] = []
        if memberCount > Int64(members.count) { leftOut.append("\(memberCount - Int64(members.count)) of \(memberCount) members (the first \(members.count) to join are listed)") }
        if externalIdCount > Int64(externalIds.count) { leftOut.append("\(externalIdCount - Int64(externalIds.count)) of \(externalIdCount) external ids") }
        let asked = kind == .externalID ? id.split(separator: ":", maxSplits: 1).map(String.init).enumerated()
            .map { $0.offset == 0 ? $0.element : masker.mask($0.element) }.joined(separator: ":") : id
        let findings = try self.findings(profile: profile, memberCount: memberCount, members: members, database: database, schemas: schemas, masker: masker, settings: settings)
        var explanation = Explanation(asked: asked, askedKind: kind, profile: profile, memberCount: memberCount, members: members,
                                      externalIdCount: externalIdCount, externalIds: externalIds, traits: traits, findings: findings, leftOut: leftOut)
        explanation.asOf = asOf?.cutoff
        explanation.asOfField = asOf?.field.rawValue
        return explanation
    }

    /// The raw rows that are the current pointers of the profile's members (or of the
    /// `listed` ones): each segment_id's row with the greatest seq (ties: uuid_ts, then
    /// canonical_segment_id), read in one pass over `id_graph_updates` filtered by segment_id.
    static func currentRows(of members: SQL, updates: QualifiedName, columns: SQL) -> SQL {
        """
        SELECT \(sql: columns) FROM (
            SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.segment_id ORDER BY \(sql: LatestRowRule.pointer.latestFirst("u"))) AS idh_rank
            FROM \(table: updates) u
            WHERE u.segment_id IN (\(sql: members))
        ) r WHERE r.idh_rank = 1
        """
    }

    /// The profile's members in the order they joined, each with the raw row that set its
    /// current pointer and that row's event.
    static func members(of profile: String, database: any Database, schemas: Schemas, masker: Masker) throws -> [Member] {
        let graph = schemas.target(TableName.idGraph), updates = schemas.source(TableName.idGraphUpdates)
        let mappingUpdates = schemas.source(TableName.externalIDMappingUpdates)
        let hasEvents = try Set(database.columns(updates)).isSuperset(of: ["triggering_event_type", "triggering_event_id"])
        let event: SQL = hasEvents ? "r.triggering_event_type AS event_type, r.triggering_event_id AS event_id" : "NULL AS event_type, NULL AS event_id"
        let listed: SQL = "SELECT g.segment_id FROM \(table: graph) g WHERE g.canonical_segment_id = \(bind: .text(profile)) ORDER BY g.\(ident: "timestamp"), g.segment_id LIMIT \(literal: .integer(Int64(listLimit)))"
        let rows = try database.rows("""
            SELECT g.segment_id, c.target, \(sql: .timestampText("g.\(ident: "timestamp")")) AS joined_at, c.event_type, c.event_id
            FROM \(table: graph) g
            LEFT JOIN (\(sql: currentRows(of: listed, updates: updates, columns: "r.segment_id AS segment_id, r.canonical_segment_id AS target, \(sql: event)"))) c
              ON c.segment_id = g.segment_id
            WHERE g.canonical_segment_id = \(bind: .text(profile))
            ORDER BY g.\(ident: "timestamp"), g.segment_id
            """, limit: listLimit)
        // The external ids each merging event brought: one read of the mappings for all the
        // listed members' events.
        var brought: [String: [String]] = [:]
        let events = rows.filter { $0[0].stringValue != profile }.compactMap { $0[4].stringValue }
        if !events.isEmpty, try Set(database.columns(mappingUpdates)).contains("triggering_event_id") {
            let list = Array(Set(events)).sorted().map { "\(bind: .text($0))" as SQL }.joined(separator: ", ")
            for row in try database.rows("""
                SELECT DISTINCT triggering_event_id, external_id_type, external_id_value FROM \(table: mappingUpdates)
                WHERE triggering_event_id IN (\(sql: list)) ORDER BY triggering_event_id, external_id_type, external_id_value
                """, limit: listLimit * 20) {
                brought[row[0].stringValue ?? "", default: []].append("\(row[1].stringValue ?? ""):\(masker.mask(row[2].stringValue ?? ""))")
            }
        }
        return rows.map { row in
            let segmentID = row[0].stringValue ?? ""
            let target = row[1].stringValue
            // The canonical of a broken cycle is the profile, yet its own pointer leads on.
            let how = segmentID == profile ? (target == nil || target == profile ? "itself" : "cycle") : (target == profile ? "merged" : "chain")
            let eventID = row[4].stringValue
            return Member(segmentID: segmentID, how: how, pointsTo: target, joinedAt: row[2].stringValue, eventType: row[3].stringValue,
                          eventID: eventID, broughtExternalIds: how == "itself" ? [] : eventID.flatMap { brought[$0] } ?? [])
        }
    }

    /// The profile's external ids (its members' raw mapping rows), with when each was first and
    /// last seen and how many other live profiles a row of the same value resolves to.
    static func externalIds(of profile: String, database: any Database, schemas: Schemas, masker: Masker) throws -> ([ExternalID], Int64) {
        let graph = schemas.target(TableName.idGraph), raw = schemas.source(TableName.externalIDMappingUpdates)
        let ts: SQL = .identifier("timestamp")
        // One pass for the profile's values, one for the other profiles holding them; the
        // total rides on every row.
        let rows = try database.rows("""
            WITH owned AS (
                SELECT x.external_id_type AS external_id_type, x.external_id_value AS external_id_value,
                       MIN(x.\(sql: ts)) AS first_seen, MAX(x.\(sql: ts)) AS last_seen
                FROM \(table: raw) x
                WHERE x.segment_id IN (SELECT g.segment_id FROM \(table: graph) g WHERE g.canonical_segment_id = \(bind: .text(profile)))
                GROUP BY x.external_id_type, x.external_id_value
            ),
            holders AS (\(sql: otherHolders(of: profile, raw: raw, graph: graph)))
            SELECT w.external_id_type, w.external_id_value, \(sql: .timestampText("w.first_seen")), \(sql: .timestampText("w.last_seen")),
                   COALESCE(h.others, 0), COUNT(*) OVER () AS total
            FROM owned w
            LEFT JOIN holders h ON h.external_id_type = w.external_id_type AND h.external_id_value = w.external_id_value
            ORDER BY w.first_seen, w.external_id_type, w.external_id_value
            """, limit: listLimit)
        let count = rows.first?[5].intValue ?? 0
        return (rows.map { row in
            ExternalID(type: row[0].stringValue ?? "", value: masker.mask(row[1].stringValue ?? ""), firstSeen: row[2].stringValue,
                       lastSeen: row[3].stringValue, otherProfiles: row[4].intValue ?? 0)
        }, count)
    }

    /// For each value of the CTE `owned` (external_id_type, external_id_value), how many other
    /// live profiles a raw row of it resolves to. It goes from the profile's few values to their
    /// rows (by the value index the README recommends): CROSS JOIN keeps SQLite from scanning the
    /// raw rows first.
    static func otherHolders(of profile: String, raw: QualifiedName, graph: QualifiedName) -> SQL {
        """
        SELECT y.external_id_type AS external_id_type, y.external_id_value AS external_id_value,
               COUNT(DISTINCT o.canonical_segment_id) AS others
        FROM owned w
        CROSS JOIN \(table: raw) y
        JOIN \(table: graph) o ON o.segment_id = y.segment_id
        WHERE y.external_id_value = w.external_id_value AND y.external_id_type = w.external_id_type
          AND o.canonical_segment_id <> \(bind: .text(profile))
        GROUP BY y.external_id_type, y.external_id_value
        """
    }

    /// The profile's `profile_traits` row: each trait that has a value, with the member snapshot
    /// it came from (docs/semantics.md, "profile_traits": the latest snapshot of the members
    /// by seq, per trait the latest non-NULL one unless `traits.nulls: propagate`).
    static func traits(of profile: String, database: any Database, schemas: Schemas, masker: Masker, traitNulls: TraitNulls) throws -> [Trait] {
        let table = schemas.target(TableName.profileTraits), state = schemas.target(TableName.stateTraits), graph = schemas.target(TableName.idGraph)
        guard try database.tableExists(table) else { return [] }
        guard let row = try database.firstRow("SELECT * FROM \(table: table) WHERE canonical_segment_id = \(bind: .text(profile))") else { return [] }
        let hasState = try database.tableExists(state)
        let stateColumns = hasState ? Set(try database.columns(state)) : []
        return try zip(row.columns, row.values).compactMap { column, value -> Trait? in
            guard TableName.isTraitColumn(column, in: database.dialect), let text = value.stringValue else { return nil }
            var trait = Trait(name: column, value: Masker.isPersonal(column: column) ? masker.mask(text) : text)
            if stateColumns.contains(column) {
                let nonNull: SQL = traitNulls == .keepLastValue ? "AND s.\(ident: column) IS NOT NULL" : ""
                if let origin = try database.firstRow("""
                    SELECT s.segment_id, \(sql: .timestampText("s.uuid_ts")) FROM \(table: state) s
                    JOIN \(table: graph) g ON g.segment_id = s.segment_id
                    WHERE g.canonical_segment_id = \(bind: .text(profile)) \(sql: nonNull)
                    ORDER BY \(sql: LatestRowRule.snapshot.latestFirst("s"))
                    """) {
                    trait.fromSegmentID = origin[0].stringValue
                    trait.landedAt = origin[1].stringValue
                }
            }
            return trait
        }
    }

    /// The findings of the checks that this profile's own rows show: a fan-in over the
    /// `merge_fan_in` threshold, members whose pointer lands on another merged id
    /// (`merge_chains`), unique identifiers shared with other live profiles
    /// (`external_id_collisions`), junk values (`blocked_values`).
    static func findings(profile: String, memberCount: Int64, members: [Member], database: any Database, schemas: Schemas,
                         masker: Masker, settings: CheckSettings) throws -> [Finding] {
        var findings: [Finding] = []
        if let fanIn = CheckCatalog.definition(id: "merge_fan_in"), case .threshold(let warn) = settings.parameter(.warn, of: fanIn),
           warn.isCrossed(by: Double(memberCount), base: 0) {
            findings.append(Finding(check: "merge_fan_in", message: "holds \(memberCount) segment_ids, more than \(warn.countLimit)"))
        }
        let graph = schemas.target(TableName.idGraph), updates = schemas.source(TableName.idGraphUpdates)
        // A member whose current pointer names an id that is not the profile: a chain.
        let everyMember: SQL = "SELECT g.segment_id FROM \(table: graph) g WHERE g.canonical_segment_id = \(bind: .text(profile))"
        let chains = try database.scalar("""
            SELECT COUNT(*) FROM (\(sql: currentRows(of: everyMember, updates: updates, columns: "r.canonical_segment_id AS target"))) c
            WHERE c.target <> \(bind: .text(profile))
            """).intValue ?? 0
        if chains > 0 {
            findings.append(Finding(check: "merge_chains", message: "\(chains) member\(chains == 1 ? "'s pointer lands" : "s' pointers land") on another merged id, not on the profile in one hop"))
        }
        var uniqueTypes: [String] = ["user_id", "email"]
        if let collisions = CheckCatalog.definition(id: "external_id_collisions"), case .strings(let types) = settings.parameter(.uniqueIDTypes, of: collisions) {
            uniqueTypes = types
        }
        let raw = schemas.source(TableName.externalIDMappingUpdates)
        let typeList = uniqueTypes.map { "\(bind: .text($0))" as SQL }.joined(separator: ", ")
        if !uniqueTypes.isEmpty {
            for row in try database.rows("""
                WITH owned AS (
                    SELECT DISTINCT x.external_id_type AS external_id_type, x.external_id_value AS external_id_value
                    FROM \(table: raw) x
                    WHERE x.external_id_type IN (\(sql: typeList))
                      AND x.segment_id IN (SELECT g.segment_id FROM \(table: graph) g WHERE g.canonical_segment_id = \(bind: .text(profile)))
                )
                SELECT h.external_id_type, h.external_id_value, h.others
                FROM (\(sql: otherHolders(of: profile, raw: raw, graph: graph))) h
                ORDER BY h.external_id_type, h.external_id_value
                """, limit: listLimit) {
                let value = masker.mask(row[1].stringValue ?? "")
                findings.append(Finding(check: "external_id_collisions", message: "\(row[0].stringValue ?? "") \(value) is also on \(row[2].intValue ?? 0) other live profile\(row[2].intValue == 1 ? "" : "s")"))
            }
        }
        let junk = Set(members.flatMap(\.broughtExternalIds).filter { Masker.isJunk(String($0.split(separator: ":", maxSplits: 1).last ?? "")) })
        for value in junk.sorted() {
            findings.append(Finding(check: "blocked_values", message: "merged through the junk value \(value)"))
        }
        return findings
    }
}
