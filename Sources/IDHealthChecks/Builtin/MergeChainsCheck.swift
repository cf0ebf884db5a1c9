import IDHealthSQL

/// `merge_chains`: the CI gate. See `checks/merge_chains.sql` for what it finds.
struct MergeChainsCheck: BuiltinCheck {
    static let id = "merge_chains"

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        let offenders = try context.render("offenders", of: file, id: definition.id)
        if try skipIfTablesMissing(offenders, context, into: &result) { return }
        result.queries.append(context.record("offenders", offenders))

        var byKind: [String: Int64] = ["non_terminal": 0, "cycle": 0, "into_cycle": 0, "dangling": 0, "deleted_target": 0]
        var lengths: [Int64: Int64] = [:]
        var value: Int64 = 0
        // The offenders walk every broken chain: computed once, then counted and sampled.
        let (columns, rows) = try context.keepingOffenders(offenders) { kept in
            for row in try context.groupedCounts(kept?.rows ?? offenders, by: ["kind", "hops"]) {
                let count = row["n"].intValue ?? 0
                let kind = row["kind"].stringValue ?? "?"
                byKind[kind, default: 0] += count
                // A chain ending at a deleted profile is listed, not counted.
                guard kind != "deleted_target" else { continue }
                if let hops = row["hops"].intValue { lengths[hops, default: 0] += count }
                value += count
            }
            return try context.samples(kept?.ordered ?? offenders, limit: context.settings.sampleSize)
        }
        result.sampleColumns = columns
        result.samples = rows

        let summary = try context.render("pointer_summary", of: file, id: definition.id)
        result.queries.append(context.record("pointer_summary", summary))
        if let row = try context.database.firstRow(summary.sql) {
            lengths[0] = row["terminal"].intValue ?? 0
            lengths[1, default: 0] += row["one_hop"].intValue ?? 0
        }

        // The materialized tables, when there are any, must keep the same promise.
        let materialized = try context.render("materialized", of: file, id: definition.id)
        let materializedMissing = try context.missingTables(materialized)
        if materializedMissing.isEmpty {
            result.queries.append(context.record("materialized", materialized))
            for kind in ["merged_to_missing", "merged_to_merged_away", "canonical_not_self"] { byKind[kind] = 0 }
            for row in try context.groupedCounts(materialized, by: ["kind"]) {
                let count = row["n"].intValue ?? 0
                byKind[row["kind"].stringValue ?? "?", default: 0] += count
                value += count
            }
            let room = context.settings.sampleSize - result.samples.count
            if room > 0 {
                let (extraColumns, extraRows) = try context.samples(materialized, limit: room)
                if result.sampleColumns.isEmpty { result.sampleColumns = extraColumns }
                result.samples += extraRows
            }
        }

        result.value = value
        result.details.set("by_kind", .counts(.init(label: "kind", byKind)))
        result.details.set("chain_lengths", .series(.init(
            kind: .steps, title: "Hops from each segment_id to its terminal profile (cycles excluded)", labelKey: "hops", valueKey: "segment_ids",
            xLabel: "hops", yLabel: "segment_ids", points: lengths.keys.sorted().map { .init(.integer($0), lengths[$0] ?? 0) })))
        result.details.set("on_or_into_cycles", .integer((byKind["cycle"] ?? 0) + (byKind["into_cycle"] ?? 0)))
        result.details.set("materialized_tables_checked", .flag(materializedMissing.isEmpty))
        judge(value: value, base: Double(lengths.values.reduce(0, +)), context: context, into: &result)
        if value > 0 {
            let parts = byKind.filter { $0.value > 0 && $0.key != "deleted_target" }.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            result.message = "\(English.count(value, "segment_id")) \(English.verb(value, one: "does", many: "do")) not land on a terminal profile in one hop (\(parts.joined(separator: ", ")))"
        }
        if let deleted = byKind["deleted_target"], deleted > 0 {
            let note = "\(deleted) segment_ids end at a profile deleted upstream (not counted)"
            result.message = result.message.map { $0 + "; " + note } ?? note
        }
    }

    /// The value counts the broken chains (but those ending at a deleted profile) and the
    /// materialized tables' own breaks; a percentage is of the segment_ids the chain
    /// lengths cover (terminal, one hop, and the broken chains that end).
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let offenders = try compiler.render("offenders", of: Self.id)
        let materialized = try compiler.render("materialized", of: Self.id)
        let summary = try compiler.render("pointer_summary", of: Self.id)
        let counted: SQL = "o.kind <> 'deleted_target'"
        // The walk of every broken chain runs once: both counts come from one pass over it.
        let verdict = CheckCompiler.Verdict(
            value: "f.counted + \(sql: compiler.count(materialized))",
            base: "(SELECT s.terminal + s.one_hop FROM (\(sql: summary.sql)) s) + f.ending",
            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition),
            source: compiler.tally(offenders, [("counted", counted), ("ending", "o.hops IS NOT NULL AND \(sql: counted)")]))
        return (verdict, [("offenders", offenders), ("materialized", materialized)])
    }
}
