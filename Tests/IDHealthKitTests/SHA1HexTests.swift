import Testing
@testable import IDHealthKit
@testable import IDHealthSQL
@testable import IDHealthGenerate
@testable import IDHealthMaterialize
@testable import IDHealthChecks
@testable import IDHealthReports

/// SHA-1 comes from the system's libcrypto: the FIPS 180 test vectors, and Segment's rule.
@Suite("SHA-1 through libcrypto")
struct SHA1HexTests {
    @Test("FIPS 180 test vectors")
    func vectors() {
        #expect(SHA1Hex.digest("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1Hex.digest("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1Hex.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(SHA1Hex.digest(String(repeating: "a", count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("external_id_hash is the SHA-1 of type || value, over UTF-8")
    func segmentRule() {
        #expect(Emission.hash(type: "email", value: "jane@example.com") == SHA1Hex.digest("emailjane@example.com"))
        #expect(SHA1Hex.digest("emailjürgen@example.com") == SHA1Hex.digest(bytes: Array("emailjürgen@example.com".utf8)))
    }
}
