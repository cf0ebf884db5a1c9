/// A SQL statement or fragment that knows what each of its parts is, so that a ``Dialect``
/// can render it and nothing else has to.
///
/// Build one with string interpolation. The literal text between interpolations is SQL written
/// in the source code; everything that varies goes through a labelled, typed interpolation:
///
/// ```swift
/// let query: SQL = """
///     SELECT \(ident: "segment_id") FROM \(table: raw)
///     WHERE seq > \(bind: .integer(10)) AND kind = \(literal: "merge")
///     """
/// ```
///
/// * `\(ident: name)` — an identifier, quoted by the dialect (an embedded quote doubled).
/// * `\(table: name)` — a schema-qualified name, each part quoted.
/// * `\(bind: value)` — a bound parameter; the dialect numbers placeholders (`?1`, `$1`).
/// * `\(literal: value)` — a constant written into the text, quoted by the dialect, for SQL
///   that cannot take parameters (view definitions, SQL files written for another scheduler).
/// * `\(type: .integer)` — a column type from the closed set ``SQLType``.
/// * `\(sql: other)` — another ``SQL`` value, spliced in with its parts.
/// * `\(unsafeRaw: text)` — text that goes in as it is. Only SQL text that *is* SQL (a check
///   file's query) may take this path; the tests fail on any other use outside this layer.
///
/// There is deliberately no unlabelled interpolation: `"… \(someString) …"` does not compile
/// as `SQL`, so text glued from values never reaches a database.
public struct SQL: Sendable, Hashable {
    /// One part of a statement, rendered by the dialect.
    public enum Piece: Sendable, Hashable {
        /// SQL text written in the source code (or a check file's own text).
        case text(String)
        case identifier(String)
        case qualified(QualifiedName)
        /// A bound value; `label` names what it holds, for the parameter list a report shows.
        case bind(SQLValue, label: String?)
        case literal(SQLValue)
        case type(SQLType)
        /// An expression whose spelling differs between engines.
        case expression(SQLExpression)
    }

    public private(set) var pieces: [Piece]

    public init(pieces: [Piece] = []) {
        self.pieces = pieces
    }

    /// Text that goes in as it is: the one door for SQL that does not come from the source code.
    public init(unsafeRaw text: String) {
        pieces = text.isEmpty ? [] : [.text(text)]
    }

    public static func identifier(_ name: String) -> SQL { SQL(pieces: [.identifier(name)]) }
    public static func table(_ name: QualifiedName) -> SQL { SQL(pieces: [.qualified(name)]) }
    public static func bind(_ value: SQLValue, label: String? = nil) -> SQL { SQL(pieces: [.bind(value, label: label)]) }
    public static func literal(_ value: SQLValue) -> SQL { SQL(pieces: [.literal(value)]) }
    public static func type(_ type: SQLType) -> SQL { SQL(pieces: [.type(type)]) }
    public static func expression(_ expression: SQLExpression) -> SQL { SQL(pieces: [.expression(expression)]) }

    /// Whether there is nothing to run (no parts, or only spaces).
    public var isEmpty: Bool {
        pieces.allSatisfy { piece in
            if case .text(let text) = piece { return text.allSatisfy(\.isWhitespace) }
            return false
        }
    }

    public mutating func append(_ other: SQL) {
        for piece in other.pieces { append(piece) }
    }

    mutating func append(_ piece: Piece) {
        // Neighbouring text merges, so rendered statements and recorded pieces stay simple.
        if case .text(let text) = piece, case .text(let previous)? = pieces.last {
            pieces[pieces.count - 1] = .text(previous + text)
        } else {
            pieces.append(piece)
        }
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var result = lhs
        result.append(rhs)
        return result
    }

    public static func += (lhs: inout SQL, rhs: SQL) {
        lhs.append(rhs)
    }
}

extension SQL: ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) {
        self.init(unsafeRaw: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.sql
    }

    /// The typed interpolations of ``SQL``; see the type's documentation.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = SQL()

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { sql.append(Piece.text(literal)) }
        }

        public mutating func appendInterpolation(ident name: String) {
            sql.append(Piece.identifier(name))
        }

        public mutating func appendInterpolation(table name: QualifiedName) {
            sql.append(Piece.qualified(name))
        }

        public mutating func appendInterpolation(bind value: SQLValue) {
            sql.append(Piece.bind(value, label: nil))
        }

        public mutating func appendInterpolation(literal value: SQLValue) {
            sql.append(Piece.literal(value))
        }

        public mutating func appendInterpolation(type: SQLType) {
            sql.append(Piece.type(type))
        }

        public mutating func appendInterpolation(sql other: SQL) {
            sql.append(other)
        }

        public mutating func appendInterpolation(unsafeRaw text: String) {
            if !text.isEmpty { sql.append(Piece.text(text)) }
        }
    }
}

extension Sequence where Element == SQL {
    /// The fragments one after another with `separator` between them (`", "`, `" AND "`).
    public func joined(separator: SQL) -> SQL {
        var result = SQL()
        for (index, fragment) in enumerated() {
            if index > 0 { result.append(separator) }
            result.append(fragment)
        }
        return result
    }
}

/// A schema-qualified name of a table, view or index: `"schema"."name"` once rendered.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public let schema: String
    public let name: String

    public init(_ schema: String, _ name: String) {
        self.schema = schema
        self.name = name
    }

    /// `schema.name` as a person reads it in a message (not SQL: nothing is quoted).
    public var description: String { "\(schema).\(name)" }
}
