import IDHealthSQL

/// `merged_profile_traits`: see `checks/merged_profile_traits.sql`.
struct MergedProfileTraitsCheck: BuiltinCheck {
    static let id = "merged_profile_traits"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let materialized = try context.render("materialized", of: file, id: definition.id)
        let checked = try context.missingTables(materialized).isEmpty
        var union: Int64?
        guard let (_, rawCount, _) = try offenders(context, file, into: &result, whileKept: { raw in
            guard checked else { return }
            // A profile found both ways counts once: the union is counted in the database,
            // from the raw offenders already computed.
            union = try context.database.scalar(Self.unionCount(raw: raw, materialized: materialized)).intValue ?? 0
        }) else { return }
        var byKind: [String: Int64] = ["raw_history": rawCount, "materialized_tombstone": 0]
        var value = rawCount

        if checked {
            result.queries.append(context.record("materialized", materialized))
            byKind["materialized_tombstone"] = try context.groupedCounts(materialized, by: []).first?["n"].intValue ?? 0
            value = union ?? value
            let room = context.settings.sampleSize - result.samples.count
            if room > 0 {
                result.samples += try context.samples(materialized, limit: room).rows
            }
            let live = try context.render("live_without_traits", of: file, id: definition.id)
            result.queries.append(context.record("live_without_traits", live))
            result.details.set("live_profiles_without_traits", .integer(try context.database.scalar(live.sql).intValue ?? 0))
        }
        result.value = value
        result.details.set("by_kind", .counts(.init(label: "kind", byKind)))
        result.details.set("materialized_tables_checked", .flag(checked))
        judge(value: value, base: Double(context.graph?.segmentIDs ?? 0), context: context, into: &result)
        if value > 0 {
            result.message = "\(English.count(value, "merged-away profile")) \(English.verb(value, one: "carries", many: "carry")) traits (\(byKind["raw_history"] ?? 0) received traits after merging away, \(byKind["materialized_tombstone"] ?? 0) tombstones in profile_traits kept them)"
        }
    }

    /// The profiles found in the raw history or as tombstones, each once: the check's value.
    static func unionCount(raw: CheckQuery, materialized: CheckQuery) -> SQL {
        "SELECT COUNT(*) FROM (SELECT segment_id FROM (\(sql: raw.sql)) r \(sql: .unionDistinct) SELECT segment_id FROM (\(sql: materialized.sql)) m) u"
    }

    /// A profile found in the raw history and as a tombstone counts once; a percentage is of
    /// the segment_ids.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let raw = try compiler.render("offenders", of: Self.id)
        let materialized = try compiler.render("materialized", of: Self.id)
        let verdict = CheckCompiler.Verdict(
            value: "(\(sql: Self.unionCount(raw: raw, materialized: materialized)))",
            base: compiler.segmentIDs,
            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, [("offenders", raw), ("materialized", materialized)])
    }
}
