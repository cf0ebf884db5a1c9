import Foundation

/// Ids of runs (a check run, a materialization): UUIDs of version 7 (RFC 9562), whose first
/// 48 bits are the milliseconds since 1970, so that ids sort as the runs started.
///
/// `idhealth_check_results` stamps a run to the second; two runs in the same second (a CI
/// job that checks twice, a quick SQLite run) are told apart by their run ids, which only a
/// time-ordered id does right: with random ids, "the previous run" was a coin toss.
public enum RunID {
    public static func make(at date: Date = Date()) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in 6..<16 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        for index in 0..<6 { bytes[index] = UInt8((milliseconds >> (8 * UInt64(5 - index))) & 0xFF) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
