import Foundation
import Testing
@testable import IDHealthSQL

@Suite("Run ids")
struct RunIDTests {
    @Test("run ids are UUIDs of version 7 that sort as the runs started, milliseconds apart")
    func timeOrdered() throws {
        let start = Date(timeIntervalSince1970: 1_765_000_000.123)
        let ids = (0..<200).map { RunID.make(at: start.addingTimeInterval(Double($0) * 0.002)) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "a later run sorts later")
        for id in ids.prefix(5) {
            let uuid = try #require(UUID(uuidString: id), "\(id)")
            #expect(uuid.uuidString.lowercased() == id)
            #expect(Array(id)[14] == "7", "version 7: \(id)")
            #expect("89ab".contains(Array(id)[19]), "RFC 9562 variant: \(id)")
        }
        #expect(ids[0].hasPrefix("019af"), "the first 48 bits are the milliseconds: \(ids[0])")
        #expect(Set((0..<1000).map { _ in RunID.make(at: start) }).count == 1000, "runs in the same millisecond still differ")
    }
}
