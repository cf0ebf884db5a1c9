import IDHealthSQL

/// `duplicate_rows`: see `checks/duplicate_rows.sql`. Runs one query per raw table that has
/// its key columns; the value is the number of extra rows, summed in the database.
struct DuplicateRowsCheck: BuiltinCheck {
    static let id = "duplicate_rows"

    static let keyColumns: [String: [String]] = [
        TableName.idGraphUpdates: ["segment_id", "canonical_segment_id", "seq", "triggering_event_id"],
        TableName.externalIDMappingUpdates: ["id"],
        TableName.profileTraitsUpdates: ["id"],
    ]

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        var byTable: [String: Int64?] = [:]
        var leftOut: [String] = []
        var value: Int64 = 0
        for table in TableName.rawTables {
            let columns = Set(try context.database.columns(context.schemas.source(table)).map { $0.lowercased() })
            let needed = Self.keyColumns[table] ?? []
            guard !columns.isEmpty, needed.allSatisfy(columns.contains) else {
                leftOut.append(columns.isEmpty ? "\(table) (not found)" : "\(table) (no \(needed.filter { !columns.contains($0) }.joined(separator: ", ")) column)")
                byTable[table] = .some(nil)
                continue
            }
            let query = try context.render(table, of: file, id: definition.id)
            result.queries.append(context.record(table, query))
            // Grouping a whole raw table is the cost: done once, then summed and sampled.
            let room = context.settings.sampleSize - result.samples.count
            let (extra, sampleColumns, rows) = try context.keepingOffenders(query) { kept in
                let extra = try context.groupedCounts(kept?.rows ?? query, by: [], sum: "extra_rows").first?["n"].intValue ?? 0
                guard extra > 0, room > 0 else { return (extra, [String](), [[SQLValue]]()) }
                let (columns, rows) = try context.samples(kept?.ordered ?? query, limit: room)
                return (extra, columns, rows)
            }
            byTable[table] = extra
            value += extra
            if !rows.isEmpty {
                result.sampleColumns = sampleColumns
                result.samples += rows
            }
        }
        guard leftOut.count < TableName.rawTables.count else {
            result.skip(.missingInput, "no raw table could be checked: \(leftOut.joined(separator: "; "))")
            return
        }
        result.value = value
        result.details.set("by_table", .counts(.init(label: "table", byTable)))
        result.details.set("left_out", .list(leftOut))
        judge(value: value, base: 0, context: context, into: &result)
        var findings: [String] = []
        if value > 0 {
            let parts = byTable.compactMap { key, count in count.flatMap { $0 > 0 ? "\($0) in \(key)" : nil } }.sorted()
            findings.append("\(English.count(value, "raw row")) \(English.verb(value, one: "repeats", many: "repeat")) an earlier row's key (\(parts.joined(separator: ", ")))")
        }
        if !leftOut.isEmpty { findings.append("not checked: \(leftOut.joined(separator: "; "))") }
        if !findings.isEmpty { result.message = findings.joined(separator: "; ") }
    }

    /// The extra rows of the raw tables that have their key columns (all three, as Profiles
    /// Sync writes them, where compile did not read the tables), summed.
    func compiled(_ compiler: CheckCompiler) throws -> (verdict: CheckCompiler.Verdict, queries: [(name: String, query: CheckQuery)]) {
        let tables = TableName.rawTables.filter { table in
            guard let columns = compiler.rawColumns?[table] else { return compiler.rawColumns == nil }
            let names = Set(columns.map { $0.lowercased() })
            return (Self.keyColumns[table] ?? []).allSatisfy { names.contains($0) }
        }
        guard !tables.isEmpty else { throw CheckUnavailable(reason: "no raw table has its key columns") }
        let queries = try tables.map { (name: $0, query: try compiler.render($0, of: Self.id)) }
        let sums = queries.map { "(SELECT COALESCE(SUM(o.extra_rows), 0) FROM (\(sql: $0.query.sql)) o)" as SQL }
        let verdict = CheckCompiler.Verdict(value: sums.joined(separator: " + "),
                                            warn: compiler.settings.threshold(.warn, of: definition), fail: compiler.settings.threshold(.fail, of: definition))
        return (verdict, queries)
    }
}
