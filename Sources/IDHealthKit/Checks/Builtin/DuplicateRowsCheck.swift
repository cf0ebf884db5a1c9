/// `duplicate_rows`: see `checks/duplicate_rows.sql`.
struct DuplicateRowsCheck: RunnableCheck {
    let definition = CheckCatalog.duplicateRows

    func run(_ context: CheckContext, into result: inout CheckResult) throws {
        let file = try context.builtin(definition.id)
        guard let (_, value, byTable) = try offenders(context, file, breakdown: "raw_table", sum: "extra_rows", into: &result) else { return }
        var tables = byTable
        for table in TableName.rawTables where tables[table] == nil { tables[table] = 0 }
        result.details["by_table"] = .object(tables.mapValues(JSONValue.integer))
        judge(value: value, base: 0, context: context, into: &result)
        if value > 0 {
            let parts = tables.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key)" }.joined(separator: ", ")
            result.message = "\(value) raw rows repeat an earlier row's key (\(parts))"
        }
    }
}
