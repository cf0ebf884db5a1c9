import Foundation
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// A random Profiles Sync history that lands in batches, for the incremental property test.
///
/// It plays Segment's side: profiles are created, merged (with recursive entries for their
/// members that land now, a batch later or never), merged into profiles whose own rows have
/// not landed yet, chained (a profile merged into one that later merges elsewhere),
/// occasionally corrupted into cycles; traits change after merges, with NULLs; external ids
/// move between profiles. Rows land late (a batch or two after their seq says), some inside
/// the `etl_overlap` window before the previous run's high-water mark. Between batches whole
/// profiles are deleted from every raw table (GDPR), and midway a new trait column appears
/// with a few old rows backfilled.
struct RandomHistory {
    /// One raw row, with the batch it lands in and its landing time.
    struct RawRow {
        let table: String
        var values: [String: SQLValue]
        let segmentID: String
        let landing: Int
        let uuidTS: Int64
    }

    /// What happens to the raw tables before one incremental run.
    struct Batch {
        var rows: [RawRow] = []
        /// segment_ids whose raw rows are all deleted first.
        var deletions: [String] = []
        /// A trait column added to profile_traits_updates first, and the seqs of already
        /// landed trait rows that get a value in it.
        var newColumn: String?
        var backfill: [Int64] = []
    }

    static let base: Int64 = 1_780_000_000
    static let batchSeconds: Int64 = 86_400
    /// Rows of a batch land over six hours, so the two-hour overlap re-reads only part of it.
    static let spreadSeconds: Int64 = 21_600
    static let initialTraits = ["email", "plan", "score"]
    static let newTrait = "loyalty_tier"

    var random: RandomSource
    let newColumnBatch: Int
    var seq: Int64 = 0
    var segments: [String] = []
    var pointer: [String: String] = [:]
    var deleted: Set<String> = []
    var pending: [Int: [RawRow]] = [:]
    var hashes: [(hash: String, value: String)] = []
    var traitColumns = RandomHistory.initialTraits
    var landedTraitSeqs: [Int64] = []
    var highWater: Int64 = 0
    /// A live profile that absorbed another, for the forced chain.
    var lastMergeTarget: String?

    init(seed: UInt64, batches: Int) {
        random = RandomSource(seed: seed, stream: 42)
        newColumnBatch = 2 + Int(random.int(0..<Int64(max(1, batches - 3))))
    }

    /// Follows the model's latest pointers (stops on a cycle).
    func canonical(_ id: String) -> String {
        var current = id
        var seen: Set<String> = [current]
        while let next = pointer[current], next != current, !seen.contains(next) {
            seen.insert(next)
            current = next
        }
        return current
    }

    var liveProfiles: [String] {
        segments.filter { !deleted.contains($0) && pointer[$0] == $0 }
    }

    func members(of profile: String) -> [String] {
        segments.filter { !deleted.contains($0) && $0 != profile && canonical($0) == profile }
    }

    mutating func landingTime(batch: Int) -> Int64 {
        Self.base + Int64(batch) * Self.batchSeconds + random.int(0..<Self.spreadSeconds)
    }

    /// Queues a row; `delay` forces a late landing, otherwise one is drawn.
    mutating func emit(_ table: String, segment: String, batch: Int, delay forced: Int? = nil, _ values: [String: SQLValue]) {
        seq += 1
        var delay = forced ?? 0
        if forced == nil {
            let draw = random.int(0..<100)
            delay = draw < 80 ? 0 : (draw < 95 ? 1 : 2)
        }
        let landing = batch + delay
        var uuid = landingTime(batch: landing)
        // Landed late but stamped inside the overlap window before the last high-water mark.
        if delay == 0, batch > 0, highWater > 0, random.chance(0.06) {
            uuid = highWater - random.int(60..<3_600)
        }
        var row = values
        row["segment_id"] = .text(segment)
        row["seq"] = .integer(seq)
        row["timestamp"] = .text(UTCTime.format(Self.base - 864_000 + seq * 60))
        row["id"] = .text("row\(seq)")
        pending[landing, default: []].append(RawRow(table: table, values: row, segmentID: segment, landing: landing, uuidTS: uuid))
    }

    mutating func create(batch: Int, delay: Int? = nil) -> String {
        let id = "s\(segments.count + 1)"
        segments.append(id)
        pointer[id] = id
        emit(TableName.idGraphUpdates, segment: id, batch: batch, delay: delay, ["canonical_segment_id": .text(id)])
        if random.chance(0.6) { traits(for: id, batch: batch) }
        if random.chance(0.6) {
            let value = "user\(hashes.count + 1)@example.com"
            hashes.append(("h\(hashes.count + 1)", value))
            mapping(hashes.count - 1, to: id, batch: batch)
        }
        return id
    }

    mutating func mapping(_ index: Int, to segment: String, batch: Int) {
        emit(TableName.externalIDMappingUpdates, segment: segment, batch: batch, [
            "external_id_hash": .text(hashes[index].hash), "external_id_type": "email", "external_id_value": .text(hashes[index].value),
        ])
    }

    mutating func traits(for segment: String, batch: Int) {
        var values: [String: SQLValue] = [:]
        for column in traitColumns {
            if random.chance(0.3) { values[column] = .null; continue }
            switch column {
            case "score": values[column] = .real(Double(random.int(0..<50)) / 2)
            case "plan": values[column] = .text(random.pick(["free", "pro", "team"]))
            case Self.newTrait: values[column] = .text(random.pick(["gold", "silver"]))
            default: values[column] = .text("\(column)-\(random.int(0..<1000))")
            }
        }
        emit(TableName.profileTraitsUpdates, segment: segment, batch: batch, values)
    }

    /// Merges `from` into `into`: its own row now, its members' recursive entries now, a
    /// batch later or never.
    mutating func merge(_ from: String, into: String, batch: Int, forceLateRecursive: Bool = false) {
        let members = self.members(of: from)
        emit(TableName.idGraphUpdates, segment: from, batch: batch, ["canonical_segment_id": .text(into)])
        pointer[from] = into
        for (index, member) in members.enumerated() {
            let draw = random.int(0..<10)
            if forceLateRecursive && index == 0 || draw < 3 {
                emit(TableName.idGraphUpdates, segment: member, batch: batch, delay: 1, ["canonical_segment_id": .text(into)])
            } else if draw < 8 {
                emit(TableName.idGraphUpdates, segment: member, batch: batch, ["canonical_segment_id": .text(into)])
            }
        }
        lastMergeTarget = into
    }

    mutating func next(batch: Int) -> Batch {
        var plan = Batch()
        if batch >= 2, random.chance(0.4), !liveProfiles.isEmpty {
            let victim = random.pick(liveProfiles)
            let gone = [victim] + members(of: victim)
            plan.deletions = gone
            deleted.formUnion(gone)
        }
        if batch == newColumnBatch {
            plan.newColumn = Self.newTrait
            traitColumns.append(Self.newTrait)
            plan.backfill = (0..<2).compactMap { _ in landedTraitSeqs.isEmpty ? nil : random.pick(landedTraitSeqs) }
        }
        if batch == 0 {
            for _ in 0..<3 { _ = create(batch: 0, delay: 0) }
        }
        // The nasty orders, forced once per history.
        if batch == 1, let a = liveProfiles.first {
            let future = create(batch: batch, delay: 1)  // a merge landing before its target's creation
            merge(a, into: future, batch: batch)
        }
        if batch == 2, let target = lastMergeTarget, pointer[target] == target, let elsewhere = liveProfiles.first(where: { $0 != target }) {
            merge(target, into: elsewhere, batch: batch, forceLateRecursive: true)  // a chain, recursive entries late
        }
        for _ in 0..<10 {
            let draw = random.int(0..<100)
            let live = liveProfiles
            switch draw {
            case 0..<30:
                _ = create(batch: batch)
            case 30..<55 where live.count >= 2:
                let a = random.pick(live)
                let b = random.pick(live.filter { $0 != a })
                merge(a, into: b, batch: batch)
            case 55..<59 where !live.isEmpty:
                let future = create(batch: batch, delay: 1)
                merge(random.pick(live), into: future, batch: batch)
            case 59..<63:
                // Corruption: a profile pointed at one of its own members makes a cycle.
                if let profile = live.first(where: { !members(of: $0).isEmpty }), let member = members(of: profile).first {
                    emit(TableName.idGraphUpdates, segment: profile, batch: batch, ["canonical_segment_id": .text(member)])
                    pointer[profile] = member
                }
            case 63..<88:
                let alive = segments.filter { !deleted.contains($0) }
                if !alive.isEmpty { traits(for: random.pick(alive), batch: batch) }
            default:
                let alive = segments.filter { !deleted.contains($0) }
                guard !alive.isEmpty else { break }
                if hashes.isEmpty || random.chance(0.5) {
                    hashes.append(("h\(hashes.count + 1)", "user\(hashes.count + 1)@example.com"))
                    mapping(hashes.count - 1, to: random.pick(alive), batch: batch)
                } else {
                    mapping(Int(random.int(0..<Int64(hashes.count))), to: random.pick(alive), batch: batch)
                }
            }
        }
        var landing = (pending.removeValue(forKey: batch) ?? []).filter { !deleted.contains($0.segmentID) }
        // Raw tables have no order: shuffle.
        for index in landing.indices.reversed() where index > 0 {
            landing.swapAt(index, Int(random.int(0..<Int64(index + 1))))
        }
        plan.rows = landing
        highWater = max(highWater, landing.map(\.uuidTS).max() ?? 0)
        landedTraitSeqs += landing.filter { $0.table == TableName.profileTraitsUpdates }.compactMap { $0.values["seq"]?.intValue }
        return plan
    }
}
