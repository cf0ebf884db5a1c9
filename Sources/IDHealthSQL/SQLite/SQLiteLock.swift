import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The materialization lock of a SQLite database: an exclusive `flock` on a small file beside
/// the database that also says who holds it.
///
/// A SQLite write transaction held for a whole full rebuild would keep every other writer
/// (a check run recording its history) waiting for minutes; a file lock keeps only another
/// materialization out. The kernel releases it when the process ends, however it ends, so a
/// killed run never leaves a stale lock.
final class SQLiteLockFiles {
    private var descriptors: [String: Int32] = [:]

    func path(database: String, name: String) -> String {
        let safe = name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }
        return database + ".idhealth-" + String(safe) + ".lock"
    }

    func tryLock(database: String, name: String, holder: String) throws -> LockAttempt {
        if database == ":memory:" || descriptors[name] != nil { return .acquired }
        let file = path(database: database, name: name)
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DatabaseError(engine: .sqlite, code: "lock", message: "cannot open the lock file \(file): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            let text = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            guard reason == EWOULDBLOCK else {
                throw DatabaseError(engine: .sqlite, code: "lock", message: "cannot lock \(file): \(String(cString: strerror(reason)))")
            }
            return .heldBy((text.isEmpty ? "another process" : text) + " (lock file \(file))")
        }
        _ = ftruncate(fd, 0)
        let bytes = Array((holder + "\n").utf8)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptors[name] = fd
        return .acquired
    }

    func unlock(name: String) {
        guard let fd = descriptors.removeValue(forKey: name) else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }

    deinit {
        for name in Array(descriptors.keys) { unlock(name: name) }
    }
}
