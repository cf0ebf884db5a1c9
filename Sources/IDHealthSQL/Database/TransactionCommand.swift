/// A statement that begins or ends a transaction, which a driver API (ODBC, ADBC) wants as a
/// call of its own rather than as SQL: `Database.inTransaction` sends these three as text.
enum TransactionCommand {
    case begin, commit, rollback

    init?(_ text: String) {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() {
        case "BEGIN", "BEGIN TRANSACTION", "START TRANSACTION": self = .begin
        case "COMMIT": self = .commit
        case "ROLLBACK": self = .rollback
        default: return nil
        }
    }
}
