import IDHealthSQL

/// The outcome of a check (docs/checks.md, "What a check produces").
public enum CheckStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case pass, warn, fail, error, skipped

    /// Worse statuses sort later: a report lists failures before warnings.
    var severity: Int {
        switch self {
        case .pass: return 0
        case .skipped: return 1
        case .warn: return 2
        case .fail: return 3
        case .error: return 4
        }
    }

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.severity < rhs.severity }
}

/// One query a check ran, as it ran: a user can paste it into their SQL client.
public struct ExecutedQuery: Sendable, Hashable, Codable {
    public let name: String
    public let sql: String
    /// The bound values by placeholder order, with the parameter each one fills.
    public let parameters: [String: String]

    /// The parameters in placeholder order (`?2` before `?10`), as `name: value` text.
    public var parameterList: String {
        func position(_ key: String) -> Int { Int(key.filter(\.isNumber)) ?? Int.max }
        return parameters.sorted { (position($0.key), $0.key) < (position($1.key), $1.key) }
            .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }
}

/// Everything a report says about one check.
public struct CheckResult: Sendable {
    public let id: String
    public let title: String
    public var status: CheckStatus
    /// The primary number: the count of offending entities (nil when the check did not run).
    public var value: Int64?
    /// How the value reads when it is a measurement rather than a count (`95.6 h`); reports
    /// show it in place of the whole number.
    public var measuredValue: String?
    /// The resolved thresholds the status was judged by, as text (`"> 0"`).
    public var thresholds: [String: String] = [:]
    public var details = CheckDetails()
    /// Up to `sample_size` offending rows, worst first; values already masked for reports.
    public var sampleColumns: [String] = []
    public var samples: [[SQLValue]] = []
    public var queries: [ExecutedQuery] = []
    public var durationMilliseconds: Int = 0
    /// Why the check erred or was skipped, or a one-line finding.
    public var message: String?

    /// Why the check was skipped: it decides what a run in which nothing was checked deserves.
    public var skipCause: SkipCause?

    public init(id: String, title: String, status: CheckStatus, value: Int64? = nil) {
        self.id = id
        self.title = title
        self.status = status
        self.value = value
    }
}

/// Why a check did not run.
public enum SkipCause: Sendable, Hashable {
    /// A table or column it reads is not there: the user's to fix.
    case missingInput
    /// The database cannot do what it needs (no SHA-1, no right to create temporary tables).
    case unsupported
    /// Turned off in the config file.
    case disabled
}

extension CheckResult {
    /// The value as reports show it: the measurement when there is one, else the count.
    public var valueText: String? { measuredValue ?? value.map(String.init) }

    /// Marks the check skipped for `cause`, saying why.
    mutating func skip(_ cause: SkipCause, _ message: String) {
        status = .skipped
        skipCause = cause
        self.message = message
    }
}
