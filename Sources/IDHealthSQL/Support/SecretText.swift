import Foundation

/// The forms in which a secret of a connection string can reach a message, and the message
/// with all of them replaced by `***`.
///
/// A client that misreads a string quotes the piece it stumbled on, not the password as the
/// user meant it: libpq reads `postgresql://u:MyS3cretPass/x@h/db` as host `u`, port
/// `MyS3cretPass` (the authority ends at the first `/`), and `u:MyS3cret@Pass@h` as host
/// `Pass@h`. So besides the secret itself and its percent-decoded form, every piece of it
/// between the characters that delimit parts of a URI counts, from three characters up
/// (shorter pieces would blank out ordinary words of the message and give little away).
public enum SecretText {
    /// The characters at which a URI parser may cut a secret.
    static let delimiters = CharacterSet(charactersIn: "/@?#:&=;[]")

    /// Every form of `secrets` a message may show, longest first.
    public static func forms(_ secrets: [String]) -> [String] {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            for whole in [secret, secret.removingPercentEncoding ?? secret] {
                forms.insert(whole)
                for piece in whole.components(separatedBy: delimiters) where piece.count >= 3 {
                    forms.insert(piece)
                }
            }
        }
        return forms.sorted { $0.count > $1.count }
    }

    /// `message` with every form of `secrets` replaced by `***`.
    public static func redact(_ message: String, secrets: [String]) -> String {
        forms(secrets).reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
