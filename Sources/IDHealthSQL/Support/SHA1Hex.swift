import CCrypto

/// Segment's external_id_hash: the lower-case hex SHA-1 of `external_id_type || external_id_value`.
/// SHA-1 is used because Segment uses it, not for security.
///
/// Computed by the system's OpenSSL libcrypto (`EVP_Digest` with `EVP_sha1`, see
/// https://www.openssl.org/docs/man3.0/man3/EVP_Digest.html).
package enum SHA1Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The digest of the text's UTF-8 bytes.
    package static func digest(_ text: String) -> String {
        digest(bytes: Array(text.utf8))
    }

    /// The digest of raw bytes.
    package static func digest(bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha1(), nil)
        }
        // EVP_Digest fails only without memory or without SHA-1 in the library (a FIPS-only
        // build); neither leaves a usable process, and a wrong hash would be a silent error.
        precondition(ok == 1 && length == 20, "libcrypto could not compute SHA-1")
        var hex: [UInt8] = []
        hex.reserveCapacity(40)
        for byte in digest.prefix(20) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
