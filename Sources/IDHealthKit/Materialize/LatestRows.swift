/// The queries that pick the latest raw row per key (DESIGN.md §3), shared by a full rebuild
/// (which stores their results) and `view` mode (which wraps them in views), so the two can
/// never pick differently. An incremental run picks with ``Materializer/latestFirst(_:tieBreak:)``
/// over the same columns.
extension Materializer {
    /// The latest row per key first: greatest seq, then latest landing, then a stable
    /// tie-break, so a full rebuild and an incremental run always pick the same row.
    static func latestFirst(_ alias: String, tieBreak: String) -> String {
        "\(alias).seq DESC, \(alias).uuid_ts DESC NULLS LAST, \(alias).\(tieBreak) DESC"
    }

    /// `segment_id, target, seq, "timestamp", uuid_ts`: every segment_id's current pointer.
    func currentPointers() -> String {
        """
        SELECT segment_id, target, seq, "timestamp", uuid_ts FROM (
            SELECT u.segment_id AS segment_id, u.canonical_segment_id AS target, u.seq AS seq,
                   u."timestamp" AS "timestamp", u.uuid_ts AS uuid_ts,
                   ROW_NUMBER() OVER (PARTITION BY u.segment_id ORDER BY \(Self.latestFirst("u", tieBreak: "canonical_segment_id"))) AS rn
            FROM \(database.dialect.qualified(schemas.source, TableName.idGraphUpdates)) u
        ) ranked
        WHERE rn = 1
        """
    }

    /// `segment_id, seq, uuid_ts, <traits>`: every segment_id's latest trait snapshot.
    func latestSnapshots(_ quotedTraits: [String]) -> String {
        """
        SELECT segment_id, seq, uuid_ts\(quotedTraits.map { ", " + $0 }.joined()) FROM (
            SELECT t.segment_id AS segment_id, t.seq AS seq, t.uuid_ts AS uuid_ts\(quotedTraits.map { ", t.\($0) AS \($0)" }.joined()),
                   ROW_NUMBER() OVER (PARTITION BY t.segment_id ORDER BY t.seq DESC, t.uuid_ts DESC NULLS LAST) AS rn
            FROM \(database.dialect.qualified(schemas.source, TableName.profileTraitsUpdates)) t
        ) ranked
        WHERE rn = 1
        """
    }

    /// The rows of `external_id_mapping`: every external id's latest row, its canonical taken
    /// from `graph` (a table or view shaped like `id_graph`; an id unknown to it is its own).
    func latestMappings(graph: String, etl: String) -> String {
        """
        SELECT e.external_id_hash AS external_id_hash, e.external_id_type AS external_id_type,
               e.external_id_value AS external_id_value,
               COALESCE(g.canonical_segment_id, e.segment_id) AS canonical_segment_id, e.segment_id AS segment_id,
               e."timestamp" AS "timestamp", e.seq AS seq, e.uuid_ts AS uuid_ts, \(etl) AS etl_ts
        FROM (
            SELECT x.external_id_hash, x.external_id_type, x.external_id_value, x.segment_id,
                   x."timestamp", x.seq, x.uuid_ts,
                   ROW_NUMBER() OVER (PARTITION BY x.external_id_hash ORDER BY \(Self.latestFirst("x", tieBreak: "segment_id"))) AS rn
            FROM \(database.dialect.qualified(schemas.source, TableName.externalIDMappingUpdates)) x
        ) e
        LEFT JOIN \(graph) g ON g.segment_id = e.segment_id
        WHERE e.rn = 1
        """
    }
}
