import Foundation
import IDHealthSQL

/// The simulated people behind the generated raw tables, and the anomalies injected into them.
///
/// Each person draws from a random stream of their own (seed, person number), so a pass over
/// one table sees exactly the people every other pass sees. Ordinary people never produce an
/// anomaly: merges carry their recursive entries, identifiers are unique per person, and no
/// merged-away profile receives traits. Every anomaly comes from a dedicated, numbered group
/// of people and is recorded in the truth as it is written.
struct Simulation {
    let profiles: Int
    let seed: UInt64
    let anomalies: Bool
    let emit: Emission
    /// Truth is recorded on the first pass only.
    var truth: GenerationTruth?
    var largestNormalProfile = 0

    /// The simulated window ends on a fixed date so that a seed always gives the same rows.
    static let end = UTCTime.seconds(year: 2026, month: 11, day: 28)
    static let span: Int64 = 90 * 86_400
    static var start: Int64 { end - span }

    static let firstNames = ["jane", "omar", "li", "maria", "kwame", "anna", "raj", "sofia", "tom", "yuki", "ines", "david"]
    static let lastNames = ["kim", "haddad", "wei", "garcia", "mensah", "novak", "patel", "rossi", "baker", "sato", "costa", "cohen"]
    static let cities = [("Berlin", "DE"), ("Lagos", "NG"), ("Austin", "US"), ("Osaka", "JP"), ("Lyon", "FR"), ("Pune", "IN"), ("Leeds", "GB")]
    static let plans = ["free", "starter", "pro", "enterprise"]
    static let titles = ["Engineer", "Analyst", "Manager", "Designer", "Founder"]
    static let industries = ["Retail", "Media", "Finance", "Health", "Software"]

    // MARK: - Ids

    /// A Segment-style id, unique by construction: random prefix, person number, device.
    static func segmentID(_ rng: inout RandomSource, person: Int, device: Int) -> String {
        "use_" + rng.base62(8) + String(person, radix: 36) + "X\(device)"
    }

    /// Seq grows with time; `k` orders rows written by the same event.
    static func seq(_ t: Int64, _ k: Int64 = 0) -> Int64 { (t - start) * 100 + k }

    // MARK: - Ordinary people

    mutating func run() throws {
        for person in 0..<profiles {
            try ordinaryPerson(person)
        }
        try recentVisitors()
        if anomalies { try injectAnomalies() }
    }

    /// Three people who visit and identify in the last two hours of the window, so every raw
    /// table has landed recently (the data looks like a live sync, not a stale one).
    mutating func recentVisitors() throws {
        for index in 0..<3 {
            let person = profiles + 500 + index
            var rng = RandomSource(seed: seed, stream: UInt64(person))
            let segment = Self.segmentID(&rng, person: person, device: 0)
            let t = Self.end - 7_200 + Int64(index) * 600
            try createDevice(segment, person: person, rng: &rng, at: t, eventID: "evt_\(person)_0")
            let email = "recent.\(String(person, radix: 36))@example.com"
            try emit.external(id: "x_\(segment)_email", segmentID: segment, type: "email", value: email, event: "identify",
                              eventID: "evt_\(person)_1", at: t + 60, landed: t + 90, seq: Self.seq(t + 60))
            var traits = TraitState(city: "Berlin", country: "DE")
            traits.email = email
            try snapshot(segment, traits, person: person, rng: &rng, at: t + 60, n: 1)
        }
    }

    /// One person: 1–4 devices (anonymous segment_ids); 70% identify, after which every
    /// other device merges into the first, some through a chain that Segment completes with
    /// recursive entries.
    mutating func ordinaryPerson(_ person: Int) throws {
        var rng = RandomSource(seed: seed, stream: UInt64(person))
        let roll = rng.int(0..<100)
        let devices = roll < 60 ? 1 : roll < 88 ? 2 : roll < 98 ? 3 : 4
        let identified = rng.chance(0.7)
        let segments = (0..<devices).map { Self.segmentID(&rng, person: person, device: $0) }
        var t = Self.start + rng.int(0..<(Self.span - 12 * 86_400))
        var event = 0
        func nextEvent() -> String { event += 1; return "evt_\(String(person, radix: 36))_\(event)" }

        let first = rng.pick(Self.firstNames), last = rng.pick(Self.lastNames)
        let (city, country) = rng.pick(Self.cities)
        let email = "\(first).\(last).\(String(person, radix: 36))@example.com"
        let userID = rng.chance(0.5) ? "usr_\(person)" : nil
        let phone = rng.chance(0.2) ? "+1555" + String(person % 10_000_000).leftPadded(7) : nil
        var traits = TraitState(city: city, country: country)

        try createDevice(segments[0], person: person, rng: &rng, at: t, eventID: nextEvent())
        if !identified {
            for device in 1..<devices {
                t += rng.int(3_600..<(3 * 86_400))
                try createDevice(segments[device], person: person, rng: &rng, at: t, eventID: nextEvent())
                if rng.chance(0.4) { try snapshot(segments[device], traits, person: person, rng: &rng, at: t + 5, n: event) }
            }
            largestNormalProfile = max(largestNormalProfile, 1)
            return
        }

        // Identify on the first device.
        t += rng.int(30..<3_600)
        let identify = nextEvent()
        var k: Int64 = 0
        for (type, value) in [("email", email), ("user_id", userID), ("phone", phone)] {
            guard let value else { continue }
            try emit.external(id: "x_\(String(person, radix: 36))_\(event)_\(k)", segmentID: segments[0], type: type, value: value,
                              event: "identify", eventID: identify, at: t, landed: t + rng.int(5..<900), seq: Self.seq(t, k))
            k += 1
        }
        traits.identify(email: email, first: first, last: last, phone: phone, rng: &rng)
        try snapshot(segments[0], traits, person: person, rng: &rng, at: t, n: event)

        // Further devices merge into the first; with 3+ devices, 30% go through a chain.
        let chained = devices >= 3 && rng.chance(0.3)
        var device = 1
        while device < devices {
            t += rng.int(3_600..<(4 * 86_400))
            if chained && device == 1 {
                // Device 2 merges into device 1 before device 1 merges into device 0.
                try createDevice(segments[1], person: person, rng: &rng, at: t, eventID: nextEvent())
                t += rng.int(60..<86_400)
                try createDevice(segments[2], person: person, rng: &rng, at: t, eventID: nextEvent())
                t += rng.int(60..<3_600)
                try emit.graph(segments[2], to: segments[1], event: "identify", eventID: nextEvent(), at: t, landed: t + rng.int(5..<900), seq: Self.seq(t))
                t += rng.int(3_600..<86_400)
                let merge = nextEvent()
                let landed = t + rng.int(5..<900)
                try emit.graph(segments[1], to: segments[0], event: "identify", eventID: merge, at: t, landed: landed, seq: Self.seq(t))
                try emit.graph(segments[2], to: segments[0], event: "identify", eventID: merge, at: t, landed: landed, seq: Self.seq(t, 1))
                device = 3
                continue
            }
            try createDevice(segments[device], person: person, rng: &rng, at: t, eventID: nextEvent())
            if rng.chance(0.4) { try snapshot(segments[device], TraitState(city: city, country: country), person: person, rng: &rng, at: t + 5, n: event) }
            t += rng.int(60..<86_400)
            try emit.graph(segments[device], to: segments[0], event: "identify", eventID: nextEvent(), at: t, landed: t + rng.int(5..<900), seq: Self.seq(t))
            device += 1
        }

        // Later trait updates land on the canonical profile.
        for _ in 0..<rng.int(0..<4) {
            t += rng.int(3_600..<(2 * 86_400))
            traits.update(rng: &rng, at: t)
            event += 1
            try snapshot(segments[0], traits, person: person, rng: &rng, at: t, n: event)
        }
        largestNormalProfile = max(largestNormalProfile, devices)
    }

    /// A page view from a new device: a new profile that points at itself, and its anonymous_id.
    mutating func createDevice(_ segment: String, person: Int, rng: inout RandomSource, at t: Int64, eventID: String, anonymousID: String? = nil, landedLate: Bool = false) throws {
        let landed = t + rng.int(5..<900)
        try emit.graph(segment, to: segment, event: "page", eventID: eventID, at: t, landed: landed, seq: Self.seq(t))
        try emit.external(id: "x_\(segment)", segmentID: segment, type: "anonymous_id", value: anonymousID ?? rng.uuid(),
                          event: "page", eventID: eventID, at: t, landed: landed, seq: Self.seq(t))
    }

    mutating func snapshot(_ segment: String, _ traits: TraitState, person: Int, rng: inout RandomSource, at t: Int64, n: Int, copies: Int = 1) throws {
        try emit.traits(id: "t_\(segment)_\(n)", segmentID: segment, seq: Self.seq(t, 50), at: t, landed: t + rng.int(5..<900), traits: traits.values, copies: copies)
    }
}

/// A person's traits as Segment snapshots them: the full state every time.
struct TraitState {
    var email: String?
    var firstName: String?
    var lastName: String?
    var phone: String?
    var plan: String? = "free"
    var city: String?
    var country: String?
    var company: String?
    var title: String?
    var industry: String?
    var signupSource: String?
    var lifetimeValue: Double?
    var ordersCount: Int64?
    var isSubscribed: Int64?
    var lastSeenAt: String?

    init(city: String, country: String) {
        self.city = city
        self.country = country
    }

    mutating func identify(email: String, first: String, last: String, phone: String?, rng: inout RandomSource) {
        self.email = email
        firstName = first.capitalized
        lastName = last.capitalized
        self.phone = phone
        signupSource = rng.pick(["organic", "ads", "referral", "partner"])
        if rng.chance(0.6) {
            company = rng.pick(["Acme", "Globex", "Initech", "Umbrella", "Hooli"]) + " " + rng.pick(["Inc", "GmbH", "Ltd"])
            title = rng.pick(Simulation.titles)
            industry = rng.pick(Simulation.industries)
        }
        ordersCount = 0
        lifetimeValue = 0
        isSubscribed = rng.chance(0.5) ? 1 : 0
    }

    mutating func update(rng: inout RandomSource, at t: Int64) {
        plan = rng.pick(Simulation.plans)
        let orders = rng.int(1..<4)
        ordersCount = (ordersCount ?? 0) + orders
        lifetimeValue = ((lifetimeValue ?? 0) + Double(rng.int(500..<20_000)) / 100).rounded(toPlaces: 2)
        lastSeenAt = UTCTime.format(t)
    }

    var values: [SQLValue] {
        func text(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
        return [
            text(email), text(firstName), text(lastName), text(phone), text(plan), text(city), text(country),
            text(company), text(title), text(industry), text(signupSource),
            lifetimeValue.map(SQLValue.real) ?? .null, ordersCount.map(SQLValue.integer) ?? .null,
            isSubscribed.map(SQLValue.integer) ?? .null, text(lastSeenAt),
        ]
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
