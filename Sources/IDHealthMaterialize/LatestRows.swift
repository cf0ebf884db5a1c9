import IDHealthSQL

/// The rules that pick the latest raw row per key (docs/semantics.md, "Latest rows"), each
/// written once.
///
/// A full rebuild stores what these queries select, `view` mode wraps them in views, an
/// incremental run orders new and stored rows with the same ``latestFirst(_:tieBreak:)``, and
/// the checks call them through template functions (`{{fn.current_pointers()}}`), so no two
/// parts of idhealth can ever pick a different row.
package struct LatestRowRule: Sendable {
    /// The raw table the rule reads.
    package let rawTable: String
    /// The column the latest row is picked per.
    package let key: String
    /// The raw column that decides between rows with the same seq and uuid_ts, so the pick
    /// never depends on the order rows landed in; nil where nothing better than the two exists.
    package let tieBreak: String?

    /// The current pointer of a segment_id: its latest `id_graph_updates` row.
    package static let pointer = LatestRowRule(rawTable: TableName.idGraphUpdates, key: "segment_id", tieBreak: "canonical_segment_id")
    /// The latest mapping row of an external id.
    package static let mapping = LatestRowRule(rawTable: TableName.externalIDMappingUpdates, key: "external_id_hash", tieBreak: "segment_id")
    /// The latest trait snapshot of a segment_id (a snapshot is its full trait state).
    package static let snapshot = LatestRowRule(rawTable: TableName.profileTraitsUpdates, key: "segment_id", tieBreak: nil)

    /// The latest row first: greatest seq, then latest landing (unknown landing last), then
    /// the tie-break column, descending. `tieBreak` names that column where a table other than
    /// the raw one calls it differently (the pointer state calls `canonical_segment_id`
    /// `target`).
    package func latestFirst(_ alias: SQL, tieBreak column: String? = nil) -> SQL {
        var order: SQL = "\(sql: alias).seq DESC, \(sql: alias).uuid_ts DESC NULLS LAST"
        if let name = column ?? tieBreak { order += ", \(sql: alias).\(ident: name) DESC" }
        return order
    }
}

/// Which member's pointer gives a cycle its canonical: the member with the greatest seq (the
/// newest merge on the cycle), ties by the greater segment_id. One rule for the resolver's
/// tables and the views.
package enum CycleRule {
    /// The cycle's members `alias` (pointer rows: `seq`, `segment_id`), the deciding one first.
    package static func deciderFirst(_ alias: SQL) -> SQL {
        "\(sql: alias).seq DESC, \(sql: alias).segment_id DESC"
    }
}

/// The queries built on the rules: what a full rebuild stores, views show and checks read.
package struct LatestRows: Sendable {
    package let schemas: Schemas

    package init(schemas: Schemas) {
        self.schemas = schemas
    }

    /// The column every ranking query numbers its rows in. It starts with `_`, and a column
    /// of `profile_traits_updates` starting with `_` is never a trait (docs/semantics.md), so
    /// it cannot meet a trait of the same name.
    package static let rank = "_idh_rank"

    /// The columns of a pointer table (``currentPointers()``, the pointer state), each
    /// qualified by `alias` when given.
    package static func pointerColumns(_ alias: String? = nil) -> SQL {
        ["segment_id", "target", "seq", "timestamp", "uuid_ts"].map { column -> SQL in
            alias.map { "\(ident: $0).\(ident: column)" } ?? "\(ident: column)"
        }.joined(separator: ", ")
    }

    /// `segment_id, target, seq, "timestamp", uuid_ts`: every segment_id's current pointer.
    package func currentPointers() -> SQL {
        let rule = LatestRowRule.pointer
        return """
            SELECT \(sql: Self.pointerColumns()) FROM (
                SELECT u.segment_id AS segment_id, u.canonical_segment_id AS target, u.seq AS seq,
                       u.\(ident: "timestamp") AS \(ident: "timestamp"), u.uuid_ts AS uuid_ts,
                       ROW_NUMBER() OVER (PARTITION BY u.segment_id ORDER BY \(sql: rule.latestFirst("u"))) AS \(ident: Self.rank)
                FROM \(table: schemas.source(rule.rawTable)) u
            ) ranked
            WHERE \(ident: Self.rank) = 1
            """
    }

    /// `segment_id, seq, uuid_ts, <traits>`: every segment_id's latest trait snapshot, each
    /// trait as the portable type of its declared type (``Dialect/conform(_:declared:)``).
    /// With `only` (a condition on the raw rows `t`), the snapshots of the segment_ids it keeps.
    package func latestSnapshots(_ traits: [TraitColumn], dialect: Dialect, only: SQL? = nil) -> SQL {
        let rule = LatestRowRule.snapshot
        let outer = traits.map { SQL.identifier($0.name) }
        let inner = traits.map { trait -> SQL in
            "\(sql: dialect.conform("t.\(ident: trait.name)", declared: trait.declaredType)) AS \(ident: trait.name)"
        }
        return """
            SELECT segment_id, seq, uuid_ts\(sql: Self.list(outer)) FROM (
                SELECT t.segment_id AS segment_id, t.seq AS seq, t.uuid_ts AS uuid_ts\(sql: Self.list(inner)),
                       ROW_NUMBER() OVER (PARTITION BY t.segment_id ORDER BY \(sql: rule.latestFirst("t"))) AS \(ident: Self.rank)
                FROM \(table: schemas.source(rule.rawTable)) t\(sql: only.map { "\nWHERE \(sql: $0)" } ?? "")
            ) ranked
            WHERE \(ident: Self.rank) = 1
            """
    }

    /// The rows of `external_id_mapping`: every external id's latest row, its canonical taken
    /// from `graph` (a table or view shaped like `id_graph`; an id unknown to it is its own).
    /// `rows` replaces the raw table with a table of some of its rows (all rows of the
    /// external ids it holds), so the same rule picks among them.
    package func latestMappings(graph: QualifiedName, etl: SQL, rows: QualifiedName? = nil) -> SQL {
        let rule = LatestRowRule.mapping
        return """
            SELECT e.external_id_hash AS external_id_hash, e.external_id_type AS external_id_type,
                   e.external_id_value AS external_id_value,
                   COALESCE(g.canonical_segment_id, e.segment_id) AS canonical_segment_id, e.segment_id AS segment_id,
                   e.\(ident: "timestamp") AS \(ident: "timestamp"), e.seq AS seq, e.uuid_ts AS uuid_ts, \(sql: etl) AS etl_ts
            FROM (
                SELECT x.external_id_hash, x.external_id_type, x.external_id_value, x.segment_id,
                       x.\(ident: "timestamp"), x.seq, x.uuid_ts,
                       ROW_NUMBER() OVER (PARTITION BY x.external_id_hash ORDER BY \(sql: rule.latestFirst("x"))) AS \(ident: Self.rank)
                FROM \(table: rows ?? schemas.source(rule.rawTable)) x
            ) e
            LEFT JOIN \(table: graph) g ON g.segment_id = e.segment_id
            WHERE e.\(ident: Self.rank) = 1
            """
    }

    /// `, a, b, c`: columns after the ones a query always selects.
    static func list(_ items: [SQL]) -> SQL {
        items.map { ", " + $0 }.joined(separator: "")
    }
}
