// The built-in checks are the `.sql` files beside this file. The EmbedCheckFiles plugin
// embeds every one of them into the binary at build time, so a copied `idhealth` binary
// needs no files, and adding a check means adding a file here, nothing more.

/// The text of every built-in check file, by file name without `.sql`.
package enum EmbeddedChecks {
    package static let files: [String: String] = Dictionary(
        uniqueKeysWithValues: generated.map { ($0.name, String(decoding: $0.bytes, as: UTF8.self)) }
    )
}
