/// Splits a script into its statements for a driver that takes one at a time: at each `;`
/// outside a quoted literal (`'…'`, with `''` inside), a quoted name (`"…"`), a line comment
/// (`-- …`) or a block comment (`/* … */`). Statements that are only comments are dropped.
enum ScriptSplitter {
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var hasCode = false
        let characters = Array(script)
        var index = 0
        func finish() {
            let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if hasCode, !statement.isEmpty { statements.append(statement) }
            current = ""
            hasCode = false
        }
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "'", "\"":
                // To the closing quote; a doubled quote is one quote inside.
                current.append(character)
                hasCode = true
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            current.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
            case "-" where next == "-":
                while index < characters.count, characters[index] != "\n" {
                    current.append(characters[index])
                    index += 1
                }
                continue
            case "/" where next == "*":
                while index < characters.count, !(characters[index] == "*" && index + 1 < characters.count && characters[index + 1] == "/") {
                    current.append(characters[index])
                    index += 1
                }
                current.append("*/")
                index += 1
            case ";":
                finish()
            default:
                current.append(character)
                if !character.isWhitespace { hasCode = true }
            }
            index += 1
        }
        finish()
        return statements
    }
}
