import Foundation

/// Reads the tables of a Markdown fixture (`## Raw: id_graph_updates` followed by a pipe
/// table), so the golden data stays the readable document it was written as.
struct MarkdownFixture {
    struct Table {
        let columns: [String]
        let rows: [[String?]]

        /// The value of a column in a row; `NULL` cells read as nil.
        func value(_ row: [String?], _ column: String) -> String? {
            columns.firstIndex(of: column).flatMap { row[$0] }
        }
    }

    let tables: [String: Table]

    init(named name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "md", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        try self.init(text: String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) {
        var tables: [String: Table] = [:]
        var heading: String?
        var lines: [String] = []
        func finish() {
            guard let heading, lines.count >= 2 else { return }
            let split = { (line: String) -> [String] in
                line.trimmingCharacters(in: .whitespaces).dropFirst().dropLast()
                    .split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
            }
            let columns = split(lines[0])
            let rows = lines.dropFirst(2).map { split($0).map { $0 == "NULL" ? nil : $0 } }
            tables[heading] = Table(columns: columns, rows: rows)
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") {
                finish()
                heading = String(line.dropFirst(3)).replacingOccurrences(of: " *(constructed)*", with: "")
                lines = []
            } else if line.hasPrefix("|") {
                lines.append(line)
            } else if !lines.isEmpty {
                finish()
                heading = nil
                lines = []
            }
        }
        finish()
        self.tables = tables
    }
}
