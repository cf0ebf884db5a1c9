/// The column types idhealth declares: a closed set that every dialect spells its own way.
///
/// A type read from a catalog (`format_type`, `pragma_table_info`) is never pasted into a
/// statement: the dialect maps it onto one of these (``Dialect/portableType(ofDeclared:)``),
/// so a hostile or exotic declared type cannot change what a statement does.
public enum SQLType: String, Sendable, Hashable, CaseIterable {
    /// Identifiers and free text.
    case text
    /// 64-bit integers: seq, counts.
    case integer
    /// Floating-point numbers.
    case real
    /// Exact decimals.
    case numeric
    case boolean
    /// Event and landing times, in UTC.
    case timestamp
    case date
    /// No declared type: values keep the type they were stored with. SQLite only (a column
    /// declared without a type, or as BLOB); every other engine uses text.
    case untyped
}

/// A column in a `CREATE TABLE` that idhealth writes: its name, its type and whether it may
/// hold NULL.
public struct ColumnDefinition: Sendable, Hashable {
    public let name: String
    public let type: SQLType
    public let notNull: Bool

    public init(_ name: String, _ type: SQLType, notNull: Bool = false) {
        self.name = name
        self.type = type
        self.notNull = notNull
    }

    /// `"name" TYPE [NOT NULL]`.
    public var sql: SQL {
        "\(ident: name) \(type: type)" + (notNull ? " NOT NULL" : "")
    }
}
