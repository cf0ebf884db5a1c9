/// An ODBC connection string (`DSN=warehouse;UID=me;PWD=secret` or `Driver={…};Server=…`),
/// read only to keep its secrets out of what idhealth prints.
enum ODBCConnectionString {
    /// The keys whose values are secrets in the drivers idhealth's users reach: passwords,
    /// tokens, private keys and their passphrases.
    static let secretKeys: Set<String> = ["pwd", "password", "token", "accesstoken", "auth_accesstoken", "priv_key_file_pwd",
                                          "privatekey", "private_key", "private_key_pwd", "secret", "clientsecret", "client_secret"]

    /// The `key=value` pairs, in order; a value in braces (`{a;b}`) may hold `;`.
    static func pairs(_ text: String) -> [(key: String, value: String)] {
        var pairs: [(String, String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                value = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                if rest.first == ";" { rest = rest.dropFirst() }
            } else if let semicolon = rest.firstIndex(of: ";") {
                value = String(rest[..<semicolon])
                rest = rest[rest.index(after: semicolon)...]
            } else {
                value = String(rest)
                rest = ""
            }
            pairs.append((key, value))
        }
        return pairs
    }

    /// The secret values of a connection string.
    static func secrets(in text: String) -> [String] {
        pairs(text).filter { secretKeys.contains($0.key.lowercased()) && !$0.value.isEmpty }.map(\.value)
    }

    /// `message` with every secret of the connection string replaced by `***`.
    static func redact(_ message: String, connectionString: String) -> String {
        SecretText.redact(message, secrets: secrets(in: connectionString))
    }

    /// The connection string with the SQLite ODBC driver options idhealth needs, where it
    /// does not set them itself: `StepAPI=1`, without which the driver reads every row of a
    /// result into memory before handing over the first (`sqlite3_get_table`), which a graph
    /// of millions of profiles cannot afford; and `Timeout=15000`, how many milliseconds the
    /// driver waits for another writer, at preparing and again at running a statement: 30 s
    /// in all, as on the native connection (measured: twice the Timeout; the driver's own
    /// default would make it 200 s). A string that turns StepAPI off is refused.
    /// (`NoCreat=1` would refuse a missing file, but also every new sibling schema file
    /// ATTACH makes: a missing file is refused before connecting instead, ``ODBC/connect``.)
    static func sqliteOptions(_ text: String) throws -> String {
        let keys = Dictionary(pairs(text).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        if let step = keys["stepapi"], !["1", "yes", "true", "on"].contains(step.lowercased()) {
            throw ConfigError("the ODBC connection string sets StepAPI=\(step): the SQLite ODBC driver then reads every row of a result into memory before the first; leave it out (idhealth sets StepAPI=1) or set it to 1")
        }
        var options = text.trimmingCharacters(in: .whitespaces)
        for (key, value) in [("StepAPI", "1"), ("Timeout", "15000")] where keys[key.lowercased()] == nil {
            options += (options.isEmpty || options.hasSuffix(";") ? "" : ";") + key + "=" + value
        }
        return options
    }
}
