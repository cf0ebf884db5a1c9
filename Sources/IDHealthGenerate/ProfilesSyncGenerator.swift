import Foundation
import IDHealthSQL

/// Writes realistic Profiles Sync raw tables (`generate`, `demo`), deterministic for a seed.
///
/// Each raw table is loaded in its own transaction with the engine's bulk path (a prepared
/// insert in SQLite, COPY in PostgreSQL); the simulation is replayed per table, which is
/// cheaper than holding millions of rows in memory.
public struct ProfilesSyncGenerator {
    public let profiles: Int
    public let seed: UInt64
    public let anomalies: Bool

    public init(profiles: Int, seed: UInt64, anomalies: Bool) {
        self.profiles = profiles
        self.seed = seed
        self.anomalies = anomalies
    }

    /// The end of the simulated window (fixed, so a seed always writes the same rows): the
    /// data's "now", which the demo checks freshness against.
    public static var windowEnd: Date { Date(timeIntervalSince1970: TimeInterval(Simulation.end)) }

    /// The range `--profiles` accepts.
    public static let profileRange = 1...5_000_000

    /// Creates and fills the raw tables in `schema`. Existing raw tables are an error unless
    /// `replace` is set: they may be a customer's real history.
    public func write(to database: any Database, schema: String, replace: Bool, progress: (String) -> Void = { _ in }) throws -> GenerationTruth {
        guard Self.profileRange.contains(profiles) else {
            throw ConfigError("--profiles must be between \(Self.profileRange.lowerBound) and \(Self.profileRange.upperBound), got \(profiles)")
        }
        let d = database.dialect
        try database.useSchema(schema, create: true)
        let existing = try TableName.rawTables.filter { try database.tableExists(QualifiedName(schema, $0)) }
        if !existing.isEmpty && !replace {
            throw ConfigError("\(existing.map { "\(schema).\($0)" }.joined(separator: ", ")) already exist; pass --replace to overwrite them with generated data")
        }

        var truth = GenerationTruth(seed: seed, profiles: profiles, anomalies: anomalies ? "default" : "none")
        var largest = 0
        var mergesPerDay: [Int64: Int] = [:]
        for (index, table) in TableName.rawTables.enumerated() {
            progress("generating \(table)")
            let rows: Int64 = try database.inTransaction {
                try database.execute(d.dropTable(QualifiedName(schema, table)))
                try database.execute(RawSchema.createTable(table, schema: schema, dialect: d))
                var emitted: Int64 = 0
                try database.bulkLoad(into: QualifiedName(schema, table), columns: RawSchema.columns(of: table).map(\.0)) { sink in
                    let emission = Emission(table: table, sink: sink, dialect: d)
                    var simulation = Simulation(profiles: profiles, seed: seed, anomalies: anomalies, emit: emission, truth: index == 0 ? truth : nil)
                    try simulation.run()
                    if index == 0, let recorded = simulation.truth { truth = recorded }
                    largest = max(largest, simulation.largestNormalProfile)
                    if index == 0 { mergesPerDay = emission.mergesPerDay }
                    if emission.lastLanded > .min { truth.lastLanded[table] = UTCTime.format(emission.lastLanded) }
                    emitted = emission.rows
                }
                // Row stores need an index on the landing time for incremental runs to read
                // only new rows (README, "Incremental runs"); a warehouse prunes by it instead.
                try database.execute(d.createIndex(table + "_uuid_ts", on: QualifiedName(schema, table), columns: ["uuid_ts"]))
                return emitted
            }
            truth.rows[table] = rows
        }
        truth.deriveExpectations(largestNormalProfile: largest, mergesPerDay: mergesPerDay)
        return truth
    }
}
