import IDHealthSQL

/// The columns of the three Profiles Sync raw tables that `generate` writes (docs/semantics.md, "The tables").
enum RawSchema {
    static let idGraphUpdates: [(String, SQLType)] = [
        ("segment_id", .text), ("canonical_segment_id", .text), ("triggering_event_type", .text),
        ("triggering_event_id", .text), ("timestamp", .timestamp), ("uuid_ts", .timestamp), ("seq", .integer),
    ]

    static let externalIDMappingUpdates: [(String, SQLType)] = [
        ("id", .text), ("segment_id", .text), ("external_id_type", .text), ("external_id_value", .text),
        ("external_id_hash", .text), ("triggering_event_type", .text), ("triggering_event_id", .text),
        ("timestamp", .timestamp), ("uuid_ts", .timestamp), ("seq", .integer),
    ]

    /// The trait columns, in table order.
    static let traits: [(String, SQLType)] = [
        ("email", .text), ("first_name", .text), ("last_name", .text), ("phone", .text),
        ("plan", .text), ("city", .text), ("country", .text), ("company", .text), ("title", .text),
        ("industry", .text), ("signup_source", .text), ("lifetime_value", .real),
        ("orders_count", .integer), ("is_subscribed", .integer), ("last_seen_at", .text),
    ]

    static let profileTraitsUpdates: [(String, SQLType)] =
        [("id", .text), ("segment_id", .text), ("seq", .integer), ("timestamp", .timestamp),
         ("uuid_ts", .timestamp), ("received_at", .timestamp)]
        + traits
        + [("context_library_name", .text), ("context_library_version", .text)]

    static func columns(of table: String) -> [(String, SQLType)] {
        switch table {
        case TableName.idGraphUpdates: return idGraphUpdates
        case TableName.externalIDMappingUpdates: return externalIDMappingUpdates
        default: return profileTraitsUpdates
        }
    }

    static func createTable(_ table: String, schema: String, dialect: Dialect) -> SQL {
        dialect.createTable(QualifiedName(schema, table), columns: columns(of: table).map { ColumnDefinition($0.0, $0.1) })
    }
}
