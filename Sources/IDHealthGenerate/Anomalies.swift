import IDHealthSQL

/// The anomalies `generate` injects by default, each from its own group of people numbered
/// after the ordinary ones, and each recorded in the truth as it is written.
extension Simulation {
    /// Person numbers of anomaly groups start here, so their ids never meet ordinary ones.
    var anomalyBase: Int { profiles + 1_000 }

    mutating func injectAnomalies() throws {
        var group = anomalyBase
        func nextGroup() -> Int { group += 1; return group }

        // Super-profiles: a junk value shared by many visitors merges them all into one
        // profile, on one day.
        let junk: [(type: String, value: String, size: Int, daysBeforeEnd: Int64)] = [
            ("email", "test@test.com", 620, 20),
            ("user_id", "-1", 75, 40),
            ("anonymous_id", "00000000-0000-0000-0000-000000000000", 4, 30),
        ]
        for entry in junk {
            try superProfile(person: nextGroup(), type: entry.type, value: entry.value, size: entry.size, day: Self.end - entry.daysBeforeEnd * 86_400)
        }

        // Missing recursive entries: three chains of two hops, one of three.
        for _ in 0..<3 { try brokenChain(person: nextGroup(), length: 2) }
        try brokenChain(person: nextGroup(), length: 3)

        try cycle(person: nextGroup())
        try dangling(person: nextGroup())
        for _ in 0..<3 { try mergedAwayWithTraits(person: nextGroup()) }
        try collision(people: nextGroup(), nextGroup())
        for _ in 0..<2 { try overLimit(person: nextGroup(), type: "user_id", values: 2) }
        try overLimit(person: nextGroup(), type: "email", values: 6)
        for _ in 0..<4 { try badHash(person: nextGroup()) }
        for _ in 0..<3 { try duplicated(person: nextGroup()) }
        for _ in 0..<5 { try lateRecursiveEntry(person: nextGroup()) }
    }

    private func startTime(_ rng: inout RandomSource) -> Int64 {
        Self.start + rng.int(0..<(Self.span - 40 * 86_400))
    }

    mutating func superProfile(person: Int, type: String, value: String, size: Int, day: Int64) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let canonical = Self.segmentID(&rng, person: person, device: 0)
        var t = day - 86_400 * 3
        let anonymousIsJunk = type == "anonymous_id"
        try createDevice(canonical, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0", anonymousID: anonymousIsJunk ? value : nil)
        if !anonymousIsJunk {
            try emit.external(id: "x_\(canonical)_junk", segmentID: canonical, type: type, value: value, event: "identify",
                              eventID: "evt_\(person)_j", at: t + 60, landed: t + 90, seq: Self.seq(t + 60))
        }
        truth?.injected.blockedValues.append(.init(table: TableName.externalIDMappingUpdates, key: "\(type)=\(value)"))
        t = day + 3_600
        for member in 1..<size {
            let segment = Self.segmentID(&rng, person: person, device: member)
            t += rng.int(20..<(18 * 3_600 / Int64(size) + 21))
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_\(member)", anonymousID: anonymousIsJunk ? value : nil)
            if !anonymousIsJunk {
                try emit.external(id: "x_\(segment)_junk", segmentID: segment, type: type, value: value, event: "identify",
                                  eventID: "evt_\(person)_\(member)m", at: t + 1, landed: t + 30, seq: Self.seq(t + 1))
            }
            try emit.graph(segment, to: canonical, event: "identify", eventID: "evt_\(person)_\(member)m", at: t + 1, landed: t + 30, seq: Self.seq(t + 1, 1))
        }
        truth?.injected.superProfiles.append(.init(canonicalSegmentID: canonical, segmentIDs: size, externalIDType: type, externalIDValue: value,
                                                   mergeDay: String(UTCTime.format(day).prefix(10))))
        if !anonymousIsJunk, size > 5 {
            truth?.injected.overIdentifierLimits.append(.init(canonicalSegmentID: canonical, externalIDType: "anonymous_id", distinctValues: size, cause: "super_profile"))
        }
    }

    /// A chain s_n → … → s_1 → s_0 whose recursive entries never landed.
    mutating func brokenChain(person: Int, length: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let segments = (0...length).map { Self.segmentID(&rng, person: person, device: $0) }
        var t = startTime(&rng)
        for (index, segment) in segments.enumerated() {
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_c\(index)")
            t += 600
        }
        // Merge the newest into the one before it first, then walk down the chain.
        for index in stride(from: length, to: 0, by: -1) {
            t += 3_600
            try emit.graph(segments[index], to: segments[index - 1], event: "identify", eventID: "evt_\(person)_m\(index)", at: t, landed: t + 60, seq: Self.seq(t))
        }
        for index in 2...length {
            truth?.injected.chainOffenders.append(.init(segmentID: segments[index], pointsTo: segments[index - 1], kind: "non_terminal", hops: index, canonicalSegmentID: segments[0]))
        }
    }

    /// X and Y merge into each other; Z then merges into Y. The later merge (Y → X) wins, so
    /// all three resolve to X.
    mutating func cycle(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let x = Self.segmentID(&rng, person: person, device: 0)
        let y = Self.segmentID(&rng, person: person, device: 1)
        let z = Self.segmentID(&rng, person: person, device: 2)
        var t = startTime(&rng)
        for (index, segment) in [x, y, z].enumerated() {
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_\(index)")
            t += 600
        }
        t += 3_600
        try emit.graph(x, to: y, event: "identify", eventID: "evt_\(person)_xy", at: t, landed: t + 60, seq: Self.seq(t))
        t += 3_600
        try emit.graph(y, to: x, event: "identify", eventID: "evt_\(person)_yx", at: t, landed: t + 60, seq: Self.seq(t))
        t += 3_600
        try emit.graph(z, to: y, event: "identify", eventID: "evt_\(person)_zy", at: t, landed: t + 60, seq: Self.seq(t))
        truth?.injected.chainOffenders += [
            .init(segmentID: x, pointsTo: y, kind: "cycle", hops: nil, canonicalSegmentID: x),
            .init(segmentID: y, pointsTo: x, kind: "cycle", hops: nil, canonicalSegmentID: x),
            .init(segmentID: z, pointsTo: y, kind: "into_cycle", hops: nil, canonicalSegmentID: x),
        ]
    }

    /// P merges into Q, but Q never got an id_graph_updates row of its own.
    mutating func dangling(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let p = Self.segmentID(&rng, person: person, device: 0)
        let q = Self.segmentID(&rng, person: person, device: 1)
        let t = startTime(&rng)
        try createDevice(p, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
        try emit.graph(p, to: q, event: "identify", eventID: "evt_\(person)_m", at: t + 3_600, landed: t + 3_660, seq: Self.seq(t + 3_600))
        truth?.injected.chainOffenders.append(.init(segmentID: p, pointsTo: q, kind: "dangling", hops: 1, canonicalSegmentID: q))
    }

    /// A profile merged into another, then receiving a trait snapshot all the same.
    mutating func mergedAwayWithTraits(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let s0 = Self.segmentID(&rng, person: person, device: 0)
        let s1 = Self.segmentID(&rng, person: person, device: 1)
        var t = startTime(&rng)
        try createDevice(s0, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
        t += 600
        try createDevice(s1, person: person, rng: &rng, at: t, eventID: "evt_\(person)_1")
        t += 3_600
        try emit.graph(s1, to: s0, event: "identify", eventID: "evt_\(person)_m", at: t, landed: t + 60, seq: Self.seq(t))
        t += 86_400
        var traits = TraitState(city: "Lyon", country: "FR")
        traits.plan = "pro"
        try snapshot(s1, traits, person: person, rng: &rng, at: t, n: 9)
        truth?.injected.mergedAwayWithTraits.append(s1)
    }

    /// One email on two live profiles that never merged.
    mutating func collision(people first: Int, _ second: Int) throws {
        let email = "shared.inbox@example.com"
        var canonicals: [String] = []
        for person in [first, second] {
            var rng = RandomSource(seed: seed, stream: UInt64(person))
            let segment = Self.segmentID(&rng, person: person, device: 0)
            let t = startTime(&rng)
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
            try emit.external(id: "x_\(segment)_email", segmentID: segment, type: "email", value: email, event: "identify",
                              eventID: "evt_\(person)_i", at: t + 60, landed: t + 90, seq: Self.seq(t + 60))
            try emit.external(id: "x_\(segment)_uid", segmentID: segment, type: "user_id", value: "usr_\(person)", event: "identify",
                              eventID: "evt_\(person)_i", at: t + 60, landed: t + 90, seq: Self.seq(t + 60, 1))
            canonicals.append(segment)
        }
        truth?.injected.collisions.append(.init(externalIDType: "email", externalIDValue: email, canonicalSegmentIDs: canonicals))
    }

    /// One profile holding more distinct values of a type than its identifier limit.
    mutating func overLimit(person: Int, type: String, values: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let segment = Self.segmentID(&rng, person: person, device: 0)
        var t = startTime(&rng)
        try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
        for index in 0..<values {
            t += 3_600
            let value = type == "email" ? "alias\(index).\(String(person, radix: 36))@example.org" : "usr_\(person)_\(index)"
            try emit.external(id: "x_\(segment)_\(index)", segmentID: segment, type: type, value: value, event: "identify",
                              eventID: "evt_\(person)_\(index)", at: t, landed: t + 60, seq: Self.seq(t))
        }
        truth?.injected.overIdentifierLimits.append(.init(canonicalSegmentID: segment, externalIDType: type, distinctValues: values, cause: "injected"))
    }

    /// An email row whose external_id_hash is the SHA-1 of the value alone (type left out).
    mutating func badHash(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let segment = Self.segmentID(&rng, person: person, device: 0)
        let t = startTime(&rng)
        try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
        let email = "hash.\(String(person, radix: 36))@example.net"
        let id = "x_\(segment)_email"
        try emit.external(id: id, segmentID: segment, type: "email", value: email, hash: Emission.hash(type: "", value: email),
                          event: "identify", eventID: "evt_\(person)_i", at: t + 60, landed: t + 90, seq: Self.seq(t + 60))
        truth?.injected.badHashes.append(.init(table: TableName.externalIDMappingUpdates, key: id))
    }

    /// A new profile whose rows all landed twice.
    mutating func duplicated(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let segment = Self.segmentID(&rng, person: person, device: 0)
        let t = startTime(&rng)
        let landed = t + 45
        try emit.graph(segment, to: segment, event: "page", eventID: "evt_\(person)_0", at: t, landed: landed, seq: Self.seq(t), copies: 2)
        try emit.external(id: "x_\(segment)", segmentID: segment, type: "anonymous_id", value: rng.uuid(), event: "page",
                          eventID: "evt_\(person)_0", at: t, landed: landed, seq: Self.seq(t), copies: 2)
        try snapshot(segment, TraitState(city: "Leeds", country: "GB"), person: person, rng: &rng, at: t + 5, n: 0, copies: 2)
        truth?.injected.duplicateRows += [
            .init(table: TableName.idGraphUpdates, key: segment),
            .init(table: TableName.externalIDMappingUpdates, key: "x_\(segment)"),
            .init(table: TableName.profileTraitsUpdates, key: "t_\(segment)_0"),
        ]
    }

    /// A chain whose recursive entry landed three days after the event.
    mutating func lateRecursiveEntry(person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let segments = (0..<3).map { Self.segmentID(&rng, person: person, device: $0) }
        var t = startTime(&rng)
        for (index, segment) in segments.enumerated() {
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_\(index)")
            t += 600
        }
        try emit.graph(segments[2], to: segments[1], event: "identify", eventID: "evt_\(person)_m2", at: t, landed: t + 60, seq: Self.seq(t))
        t += 3_600
        try emit.graph(segments[1], to: segments[0], event: "identify", eventID: "evt_\(person)_m1", at: t, landed: t + 60, seq: Self.seq(t))
        try emit.graph(segments[2], to: segments[0], event: "identify", eventID: "evt_\(person)_m1", at: t, landed: t + 3 * 86_400, seq: Self.seq(t, 1))
        truth?.injected.lateLandingRows.append(.init(table: TableName.idGraphUpdates, key: "\(segments[2])@\(Self.seq(t, 1))"))
    }
}
