import Foundation
import IDHealthSQL

/// Receives the simulated rows of one raw table during one pass and loads them.
///
/// The simulation runs once per raw table (PostgreSQL allows one COPY at a time per
/// connection) and is deterministic, so each pass sees the same people; rows of the other
/// tables are dropped cheaply.
final class Emission {
    let table: String
    let sink: BulkSink?
    let dialect: Dialect
    private(set) var rows: Int64 = 0
    /// The latest landing time written (seconds since 1970), for the freshness truth.
    private(set) var lastLanded: Int64 = .min
    /// Merge rows (segment_id pointing elsewhere) per UTC day number, for the merge-rate truth.
    private(set) var mergesPerDay: [Int64: Int] = [:]

    init(table: String, sink: BulkSink?, dialect: Dialect) {
        self.table = table
        self.sink = sink
        self.dialect = dialect
    }

    func time(_ seconds: Int64) -> SQLValue {
        .text(dialect.timestampLiteral(UTCTime.format(seconds)))
    }

    func graph(_ segmentID: String, to canonical: String, event: String, eventID: String, at t: Int64, landed: Int64, seq: Int64, copies: Int = 1) throws {
        guard table == TableName.idGraphUpdates else { return }
        let values: [SQLValue] = [.text(segmentID), .text(canonical), .text(event), .text(eventID), time(t), time(landed), .integer(seq)]
        for _ in 0..<copies { try sink?.append(values); rows += 1 }
        lastLanded = max(lastLanded, landed)
        if segmentID != canonical { mergesPerDay[t / 86_400, default: 0] += copies }
    }

    func external(id: String, segmentID: String, type: String, value: String, hash: String? = nil, event: String, eventID: String, at t: Int64, landed: Int64, seq: Int64, copies: Int = 1) throws {
        guard table == TableName.externalIDMappingUpdates else { return }
        let values: [SQLValue] = [
            .text(id), .text(segmentID), .text(type), .text(value), .text(hash ?? Self.hash(type: type, value: value)),
            .text(event), .text(eventID), time(t), time(landed), .integer(seq),
        ]
        for _ in 0..<copies { try sink?.append(values); rows += 1 }
        lastLanded = max(lastLanded, landed)
    }

    /// A full trait snapshot; `traits` holds one value per ``RawSchema/traits`` column.
    func traits(id: String, segmentID: String, seq: Int64, at t: Int64, landed: Int64, traits: [SQLValue], copies: Int = 1) throws {
        guard table == TableName.profileTraitsUpdates else { return }
        let values: [SQLValue] = [.text(id), .text(segmentID), .integer(seq), time(t), time(landed), time(t + 1)]
            + traits + [.text("analytics.js"), .text("4.15.3")]
        for _ in 0..<copies { try sink?.append(values); rows += 1 }
        lastLanded = max(lastLanded, landed)
    }

    /// Segment's external_id_hash: lower-case hex SHA-1 of type || value.
    static func hash(type: String, value: String) -> String {
        SHA1Hex.digest(type + value)
    }
}
