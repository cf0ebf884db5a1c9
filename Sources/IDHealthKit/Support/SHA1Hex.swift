import Crypto
import Foundation

/// Segment's external_id_hash: the lower-case hex SHA-1 of `external_id_type || external_id_value`.
/// SHA-1 is used because Segment uses it, not for security.
enum SHA1Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func digest(_ text: String) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(40)
        for byte in Insecure.SHA1.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
