import Foundation

/// What idhealth knows about a PostgreSQL connection string without connecting: the
/// passwords in it, so that no message derived from it ever shows one.
///
/// libpq quotes parts of a string it cannot parse in its messages (`invalid IPv6 host
/// address in URI: "u:PW@[::1/h"`), and a password can sit in a URI's user information, in a
/// `password=` query parameter or in a `password=` keyword. Each form is found, percent-encoded
/// and decoded, and replaced by `***` (``SecretText``: pieces of it too).
public enum PostgresConnectionString {
    /// Every password the string holds, longest first, in the forms a message may show.
    static func passwords(in conninfo: String) -> [String] {
        var found: [String] = []
        func capture(_ pattern: String) {
            guard let expression = try? NSRegularExpression(pattern: pattern) else { return }
            for match in expression.matches(in: conninfo, range: NSRange(conninfo.startIndex..., in: conninfo)) where match.numberOfRanges > 1 {
                guard let range = Range(match.range(at: 1), in: conninfo) else { continue }
                found.append(String(conninfo[range]))
            }
        }
        // URI user information: scheme://user:password@host; the last `@` before the host.
        capture(#"^\s*postgres(?:ql)?://[^:/?#]*:(.*)@[^@]*$"#)
        capture(#"^\s*postgres(?:ql)?://[^:/?#]*:([^@]*)@"#)
        // A `password=` query parameter of a URI, or a `password=` keyword.
        capture(#"[?&]password=([^&#]*)"#)
        capture(#"(?:^|\s)password\s*=\s*'((?:[^'\\]|\\.)*)'"#)
        capture(#"(?:^|\s)password\s*=\s*([^'\s]\S*)"#)
        let unescaped = found.map { $0.replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\") }
        return SecretText.forms(found + unescaped)
    }

    /// `message` with every password of `conninfo` replaced by `***`.
    static func redact(_ message: String, conninfo: String) -> String {
        SecretText.redact(message, secrets: passwords(in: conninfo))
    }

    /// `conninfo` without its passwords (URI user information, `password=` parameter or
    /// keyword), for writing to a file others can read; libpq then takes the password from
    /// `PGPASSWORD` or `~/.pgpass`.
    public static func withoutPassword(_ conninfo: String) -> String {
        var text = conninfo
        func remove(_ pattern: String, with template: String) {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        remove(#"^(\s*postgres(?:ql)?://[^:/?#@]*):.*@([^@]*)$"#, with: "$1@$2")
        remove(#"([?&])password=[^&#]*&?"#, with: "$1")
        remove(#"[?&]$"#, with: "")
        remove(#"(^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|[^'\s]\S*)"#, with: "$1")
        return text.trimmingCharacters(in: .whitespaces)
    }
}
