import CADBC
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loaded ADBC driver: its shared library opened with `dlopen` and its function table,
/// filled in by the entry point (`AdbcDriverInit`, the one named after the library, or the
/// manifest's).
///
/// A driver stays loaded for the life of the process: the warehouse drivers are Go programs
/// whose runtime cannot be unloaded, so the library is never `dlclose`d and one load serves
/// every connection to it.
final class ADBCDriver: @unchecked Sendable {
    // @unchecked Sendable: the table is written once, under `lock`, before anyone reads it,
    // and never changes after; ADBC lets separate connections use a driver from any thread.
    let table: UnsafeMutablePointer<AdbcDriver>
    let library: String

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: ADBCDriver] = [:]

    private init(table: UnsafeMutablePointer<AdbcDriver>, library: String) {
        self.table = table
        self.library = library
    }

    /// The driver `name` (a manifest name or a path), loaded once per process.
    static func load(_ name: String, locator: ADBCDriverLocator = ADBCDriverLocator()) throws -> ADBCDriver {
        let manifest = try locator.locate(name)
        lock.lock()
        defer { lock.unlock() }
        if let driver = loaded[manifest.library] { return driver }
        guard let handle = dlopen(manifest.library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw ConfigError("cannot load the ADBC driver \(manifest.library): \(reason)")
        }
        let candidates = [manifest.entrypoint, defaultEntrypoint(manifest.library), "AdbcDriverInit"].compactMap { $0 }
        guard let symbol = candidates.lazy.compactMap({ dlsym(handle, $0) }).first else {
            throw ConfigError("\(manifest.library) is not an ADBC driver: it has none of the entry points \(candidates.joined(separator: ", "))")
        }
        let initialize = unsafeBitCast(symbol, to: AdbcDriverInitFunc.self)
        let table = UnsafeMutablePointer<AdbcDriver>.allocate(capacity: 1)
        table.initialize(to: AdbcDriver())
        let error = ADBCErrorSlot()
        let status = initialize(Int32(ADBC_VERSION_1_1_0), table, error.pointer)
        guard status == ADBC_STATUS_OK else {
            table.deallocate()
            throw ConfigError("the ADBC driver \(manifest.library) refused ADBC 1.1: \(error.message ?? "status \(status)")")
        }
        let driver = ADBCDriver(table: table, library: manifest.library)
        loaded[manifest.library] = driver
        return driver
    }

    /// The entry point ADBC derives from a library's name: `libadbc_driver_snowflake.so` →
    /// `AdbcDriverSnowflakeInit`.
    static func defaultEntrypoint(_ library: String) -> String? {
        var base = (library as NSString).lastPathComponent
        if let dot = base.firstIndex(of: ".") { base = String(base[..<dot]) }
        if base.hasPrefix("lib") { base = String(base.dropFirst(3)) }
        let words = base.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
        guard !words.isEmpty else { return nil }
        let joined = words.joined()
        return joined.hasPrefix("Adbc") ? joined + "Init" : "Adbc" + joined + "Init"
    }
}

/// An `AdbcError` for one call: zeroed, marked as able to carry ADBC 1.1 details, and
/// released (with whatever the driver put in it) when the slot goes.
final class ADBCErrorSlot {
    let pointer: UnsafeMutablePointer<AdbcError>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: AdbcError())
        pointer.pointee.vendor_code = Int32.min
    }

    deinit {
        if let release = pointer.pointee.release { release(pointer) }
        pointer.deallocate()
    }

    /// The driver's message, if it wrote one.
    var message: String? { pointer.pointee.message.map { String(cString: $0) } }

    /// The five SQLSTATE characters, when the driver gave any.
    var sqlstate: String? {
        let state = withUnsafeBytes(of: pointer.pointee.sqlstate) { Array($0) }
        guard state.contains(where: { $0 != 0 }) else { return nil }
        return String(decoding: state.filter { $0 != 0 }, as: UTF8.self)
    }
}
