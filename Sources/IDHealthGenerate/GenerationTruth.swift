import Foundation
import IDHealthSQL

/// Exactly what `generate` injected, written by `--truth FILE` so tests (and users evaluating
/// idhealth) can hold every check's numbers against it.
public struct GenerationTruth: Codable, Sendable, Equatable {
    public struct SuperProfile: Codable, Sendable, Equatable {
        public var canonicalSegmentID: String
        public var segmentIDs: Int
        public var externalIDType: String
        public var externalIDValue: String
        /// The day (UTC, `YYYY-MM-DD`) all its merges landed on.
        public var mergeDay: String
    }

    public struct ChainOffender: Codable, Sendable, Equatable {
        public var segmentID: String
        public var pointsTo: String
        /// `non_terminal`, `cycle`, `into_cycle` or `dangling`, as `merge_chains` names them.
        public var kind: String
        /// Hops to the terminal profile (`non_terminal` and `dangling` only).
        public var hops: Int?
        /// What the materialized id_graph must say is its canonical.
        public var canonicalSegmentID: String
    }

    public struct Collision: Codable, Sendable, Equatable {
        public var externalIDType: String
        public var externalIDValue: String
        public var canonicalSegmentIDs: [String]
    }

    public struct OverLimit: Codable, Sendable, Equatable {
        public var canonicalSegmentID: String
        public var externalIDType: String
        public var distinctValues: Int
        /// Whether this was injected on purpose or comes with a super-profile (each merged
        /// visitor brings its own anonymous_id).
        public var cause: String
    }

    public struct RowReference: Codable, Sendable, Equatable {
        public var table: String
        public var key: String
    }

    public struct Injected: Codable, Sendable, Equatable {
        public var superProfiles: [SuperProfile] = []
        public var chainOffenders: [ChainOffender] = []
        public var mergedAwayWithTraits: [String] = []
        public var collisions: [Collision] = []
        public var overIdentifierLimits: [OverLimit] = []
        public var badHashes: [RowReference] = []
        public var duplicateRows: [RowReference] = []
        public var lateLandingRows: [RowReference] = []
        public var blockedValues: [RowReference] = []
    }

    public struct Expected: Codable, Sendable, Equatable {
        public struct MergeChains: Codable, Sendable, Equatable {
            public var value: Int
            public var byKind: [String: Int]
            /// Offending segment_ids by hop count (non_terminal and dangling).
            public var hops: [String: Int]
        }
        public struct MergeFanIn: Codable, Sendable, Equatable {
            public var value: Int
            public var overFail: Int
            public var max: Int
        }
        public var mergeChains: MergeChains
        public var mergeFanIn: MergeFanIn
        /// Every check's expected value and status under the default settings, by check id
        /// (freshness depends on the clock: see `last_landed`).
        public var values: [String: Int] = [:]
        public var statuses: [String: String] = [:]
        /// The days `merge_rate_anomaly` must flag (default window 14 days, factor 3, at
        /// least 50 merges), worked out from the rows as they were written.
        public var anomalousMergeDays: [String] = []
    }

    public var seed: UInt64
    public var profiles: Int
    public var anomalies: String
    /// Rows written per raw table.
    public var rows: [String: Int64] = [:]
    /// The latest uuid_ts written per raw table (`YYYY-MM-DD HH:MM:SS`, UTC).
    public var lastLanded: [String: String] = [:]
    /// The end of the simulated window: "now" for the data.
    public var generatedUntil: String = UTCTime.format(Simulation.end)
    public var injected = Injected()
    public var expected = Expected(mergeChains: .init(value: 0, byKind: [:], hops: [:]), mergeFanIn: .init(value: 0, overFail: 0, max: 0))

    /// The truth as pretty, key-sorted JSON with snake_case keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> GenerationTruth {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in SnakeCaseKey(path.last!.stringValue) }
        return try decoder.decode(GenerationTruth.self, from: data)
    }

    /// `canonical_segment_id` → `canonicalSegmentID`: the inverse of `.convertToSnakeCase`
    /// for names that spell "ID" in capitals, which `.convertFromSnakeCase` does not undo.
    struct SnakeCaseKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }

        init(_ snake: String) {
            let parts = snake.split(separator: "_").map(String.init)
            stringValue = parts.enumerated().map { index, part in
                if index == 0 { return part }
                if part == "id" { return "ID" }
                if part == "ids" { return "IDs" }
                return part.prefix(1).uppercased() + part.dropFirst()
            }.joined()
        }

        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    /// Derives the expected check numbers from what was injected. The default fan-in limits
    /// (warn above 50, fail above 500) apply; normal simulated people hold at most 4 segment_ids.
    mutating func deriveExpectations(fanInWarn: Int = 50, fanInFail: Int = 500, largestNormalProfile: Int, mergesPerDay: [Int64: Int]) {
        var byKind: [String: Int] = ["non_terminal": 0, "cycle": 0, "into_cycle": 0, "dangling": 0]
        var hops: [String: Int] = [:]
        for offender in injected.chainOffenders {
            byKind[offender.kind, default: 0] += 1
            if let count = offender.hops { hops[String(count), default: 0] += 1 }
        }
        expected.mergeChains = .init(value: injected.chainOffenders.count, byKind: byKind, hops: hops)
        let sizes = injected.superProfiles.map(\.segmentIDs)
        expected.mergeFanIn = .init(
            value: sizes.filter { $0 > fanInWarn }.count,
            overFail: sizes.filter { $0 > fanInFail }.count,
            max: max(sizes.max() ?? 0, largestNormalProfile)
        )
        expected.anomalousMergeDays = Self.anomalousDays(mergesPerDay, window: 14, factor: 3, minMerges: 50)
        let joining = injected.superProfiles.filter { $0.segmentIDs >= 2 }.count
        let values: [String: Int] = [
            "merge_chains": expected.mergeChains.value,
            "merge_fan_in": expected.mergeFanIn.value,
            "merged_profile_traits": injected.mergedAwayWithTraits.count,
            "external_id_collisions": injected.collisions.count,
            "identifier_limits": injected.overIdentifierLimits.count,
            "blocked_values": injected.blockedValues.count,
            "external_id_hash": injected.badHashes.count,
            "duplicate_rows": injected.duplicateRows.count,
            "materialization_drift": 0,
            "merge_rate_anomaly": expected.anomalousMergeDays.count,
        ]
        expected.values = values
        func status(_ value: Int, _ ifAny: String) -> String { value > 0 ? ifAny : "pass" }
        expected.statuses = [
            "merge_chains": status(values["merge_chains"]!, "fail"),
            "merge_fan_in": expected.mergeFanIn.overFail > 0 ? "fail" : status(expected.mergeFanIn.value, "warn"),
            "merged_profile_traits": status(values["merged_profile_traits"]!, "fail"),
            "external_id_collisions": status(values["external_id_collisions"]!, "warn"),
            "identifier_limits": status(values["identifier_limits"]!, "warn"),
            "blocked_values": joining > 0 ? "fail" : status(values["blocked_values"]!, "warn"),
            "external_id_hash": status(values["external_id_hash"]!, "fail"),
            "duplicate_rows": status(values["duplicate_rows"]!, "warn"),
            "materialization_drift": "pass",
            "merge_rate_anomaly": status(values["merge_rate_anomaly"]!, "warn"),
        ]
    }

    /// The merge-rate rule, written out independently of its SQL: a day is anomalous when it
    /// has a full window of days after the first day with merges, at least `minMerges`
    /// merges, and more than `factor` times the mean of the `window` days before it.
    static func anomalousDays(_ mergesPerDay: [Int64: Int], window: Int64, factor: Double, minMerges: Int) -> [String] {
        guard let first = mergesPerDay.keys.min() else { return [] }
        return mergesPerDay.keys.sorted().filter { day in
            let merges = mergesPerDay[day] ?? 0
            guard day - window >= first, merges >= minMerges else { return false }
            let before = ((day - window)..<day).reduce(0) { $0 + (mergesPerDay[$1] ?? 0) }
            return Double(merges) > factor * Double(before) / Double(window)
        }.map { String(UTCTime.format($0 * 86_400).prefix(10)) }
    }
}
