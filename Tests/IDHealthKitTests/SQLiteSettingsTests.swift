import Foundation
import Testing
@testable import IDHealthSQL

/// idhealth's memory on SQLite does not grow with the graph: the page cache is bounded and
/// what outgrows it (sorts, temporary tables) goes to files beside the database, or to
/// SQLITE_TMPDIR. The benchmark measures the resulting peak RSS; this pins the settings.
@Suite("SQLite memory settings")
struct SQLiteSettingsTests {
    @Test("a connection has a 64 MiB cache and temporary storage in files beside the database")
    func boundedMemory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("idhealth-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("graph.sqlite").path)
        #expect(try database.scalar("PRAGMA cache_size").intValue == -65_536)
        #expect(try database.scalar("PRAGMA temp_store").intValue == 1, "1 is FILE; 2 would be MEMORY")
        let directory = try database.scalar("PRAGMA temp_store_directory").stringValue ?? ""
        #expect(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path == folder.resolvingSymlinksInPath().path)
    }
}
