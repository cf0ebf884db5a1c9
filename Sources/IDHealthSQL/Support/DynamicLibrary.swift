import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shared library idhealth uses only when a feature needs it (unixODBC for `odbc:`
/// databases, libcurl for notifications), opened with `dlopen` by the first of its usual
/// names, so that the binary starts where it is not installed. Never closed: what it holds
/// lives as long as the process.
package struct DynamicLibrary {
    let handle: UnsafeMutableRawPointer
    let label: String

    /// Opens the first of `names` that loads; `missing` is the message when none does.
    package init(names: [String], label: String, global: Bool = false, missing: String) throws {
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)) }).first else {
            throw ConfigError("\(missing) (looked for \(names.joined(separator: ", ")))")
        }
        self.handle = handle
        self.label = label
    }

    /// The function `name`, as the C function type `type`.
    package func function<T>(_ name: String, as type: T.Type) throws -> T {
        unsafeBitCast(try pointer(name), to: type)
    }

    /// The raw address of `name`, for variadic functions called through a C helper.
    package func pointer(_ name: String) throws -> UnsafeMutableRawPointer {
        guard let pointer = dlsym(handle, name) else { throw ConfigError("\(label) lacks \(name): too old a version") }
        return pointer
    }

    /// A value made once per process from a library, or why it could not be: the loaders
    /// keep the outcome so a missing library is reported the same way every time.
    package static func once<T>(_ make: () throws -> T) -> Result<T, ConfigError> {
        do { return .success(try make()) } catch let error as ConfigError { return .failure(error) } catch {
            return .failure(ConfigError("\(error)"))
        }
    }
}
