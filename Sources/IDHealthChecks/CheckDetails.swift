import IDHealthSQL

/// What a check found beyond its value: typed sections, in the order the check adds them.
/// Each report renders every kind of section its own way; the JSON report stores each under
/// its key (a contract: docs/reports.md).
public struct CheckDetails: Sendable, Hashable {
    public struct Section: Sendable, Hashable {
        /// The key in the JSON report's `details` object.
        public let key: String
        public let content: DetailContent
    }

    public private(set) var sections: [Section] = []

    public init() {}

    /// Adds a section, or replaces the one with the same key where it stands.
    public mutating func set(_ key: String, _ content: DetailContent) {
        if let index = sections.firstIndex(where: { $0.key == key }) {
            sections[index] = Section(key: key, content: content)
        } else {
            sections.append(Section(key: key, content: content))
        }
    }

    /// The typed content of a section.
    public func content(_ key: String) -> DetailContent? {
        sections.first { $0.key == key }?.content
    }

    /// A section as the JSON report writes it.
    public subscript(_ key: String) -> JSONValue? {
        content(key)?.json
    }

    /// The JSON report's `details` object.
    public var json: [String: JSONValue] {
        Dictionary(sections.map { ($0.key, $0.content.json) }, uniquingKeysWith: { _, last in last })
    }

    public var isEmpty: Bool { sections.isEmpty }
}

/// One kind of detail, each with what a report needs to show it.
public enum DetailContent: Sendable, Hashable {
    /// Counts by name (by kind, by type, by table); a nil count means not checked.
    case counts(Counts)
    /// Values over ordered labels, drawn as bars.
    case series(Series)
    /// Rows of named columns, such as the likely causes of a super-profile.
    case rows(Rows)
    /// Named quantiles of a distribution (p50, p90, p99, max).
    case percentiles(Percentiles)
    /// A measured quantity per name (hours since each raw table landed); nil: never measured.
    case measurements(Measurements)
    case integer(Int64)
    case number(Double)
    case text(String)
    case flag(Bool)
    case list([String])
    /// Settings the check ran with, by name (identifier limits). The JSON report has them;
    /// the thresholds line already tells a reader.
    case settings([String: Int64])

    public struct Counts: Sendable, Hashable {
        /// What the names are (`kind`, `type`, `table`): the heading of their column.
        public let label: String
        public let counts: [String: Int64?]
        public init(label: String, _ counts: [String: Int64?]) {
            self.label = label
            self.counts = counts
        }
    }

    public struct Series: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// How many profiles hold how many segment_ids: spans orders of magnitude, so log scale.
            case distribution
            /// A few small steps, such as hops to a terminal: a table reads as well as a chart.
            case steps
            /// One bar a day.
            case daily
        }
        public struct Point: Sendable, Hashable {
            public let label: SQLValue
            public let value: Int64
            public init(_ label: SQLValue, _ value: Int64) {
                self.label = label
                self.value = value
            }
        }
        public let kind: Kind
        public let title: String
        /// The JSON keys of a point's label and value (`{"hops": 2, "segment_ids": 5}`).
        public let labelKey: String
        public let valueKey: String
        /// What the axes show.
        public let xLabel: String
        public let yLabel: String
        public let points: [Point]
        public init(kind: Kind, title: String, labelKey: String, valueKey: String, xLabel: String, yLabel: String, points: [Point]) {
            self.kind = kind
            self.title = title
            self.labelKey = labelKey
            self.valueKey = valueKey
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.points = points
        }
    }

    public struct Rows: Sendable, Hashable {
        public struct Column: Sendable, Hashable {
            /// The JSON key, and how a report heads the column.
            public let key: String
            public let heading: String
            /// Shown as code (a value someone may copy), not prose.
            public let code: Bool
            /// A number, aligned right.
            public let numeric: Bool
            public init(_ key: String, heading: String, code: Bool = false, numeric: Bool = false) {
                self.key = key
                self.heading = heading
                self.code = code
                self.numeric = numeric
            }
        }
        /// The sentence that introduces the table.
        public let title: String
        public let columns: [Column]
        /// Values already masked for reports.
        public let rows: [[SQLValue]]
        public init(title: String, columns: [Column], rows: [[SQLValue]]) {
            self.title = title
            self.columns = columns
            self.rows = rows
        }
    }

    public struct Percentiles: Sendable, Hashable {
        public let title: String
        /// In order: p50, p90, p99, max.
        public let values: [(name: String, value: Int64)]
        public init(title: String, _ values: [(name: String, value: Int64)]) {
            self.title = title
            self.values = values
        }
        public static func == (lhs: Percentiles, rhs: Percentiles) -> Bool {
            lhs.title == rhs.title && lhs.values.map(\.name) == rhs.values.map(\.name) && lhs.values.map(\.value) == rhs.values.map(\.value)
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(title)
            for item in values { hasher.combine(item.name); hasher.combine(item.value) }
        }
    }

    public struct Measurements: Sendable, Hashable {
        /// The heading of the names' column, and of the values' column.
        public let label: String
        public let heading: String
        public let values: [String: Double?]
        public init(label: String, heading: String, _ values: [String: Double?]) {
            self.label = label
            self.heading = heading
            self.values = values
        }
    }

    /// The section as the JSON report writes it.
    public var json: JSONValue {
        switch self {
        case .counts(let counts):
            return .object(counts.counts.mapValues { $0.map(JSONValue.integer) ?? .null })
        case .series(let series):
            return .array(series.points.map { .object([series.labelKey: JSONValue($0.label), series.valueKey: .integer($0.value)]) })
        case .rows(let rows):
            return .array(rows.rows.map { row in
                .object(Dictionary(zip(rows.columns, row).map { ($0.key, JSONValue($1)) }, uniquingKeysWith: { _, last in last }))
            })
        case .percentiles(let percentiles):
            return .object(Dictionary(percentiles.values.map { ($0.name, JSONValue.integer($0.value)) }, uniquingKeysWith: { _, last in last }))
        case .measurements(let measurements):
            return .object(measurements.values.mapValues { $0.map(JSONValue.number) ?? .null })
        case .integer(let value): return .integer(value)
        case .number(let value): return .number(value)
        case .text(let value): return .string(value)
        case .flag(let value): return .bool(value)
        case .list(let values): return .array(values.map(JSONValue.string))
        case .settings(let values): return .object(values.mapValues(JSONValue.integer))
        }
    }
}
