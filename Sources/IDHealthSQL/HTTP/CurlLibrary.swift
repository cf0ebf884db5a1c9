import CCurl
import Foundation

/// libcurl, loaded with `dlopen` the first time a notification is sent or BigQuery is
/// reached, so that idhealth starts and runs everywhere else without it (`apt install
/// libcurl4`; it is on most systems).
///
/// Why libcurl and not URLSession: on Linux, URLSession (FoundationNetworking) is libcurl,
/// linked at load time — the static binary would then refuse to start, for every command,
/// wherever libcurl is absent. async-http-client would add SwiftNIO and BoringSSL to every
/// build (minutes of cold build on two cores) for a few requests a run. libcurl itself does the
/// HTTP, TLS, proxies (`https_proxy`) and timeouts.
package final class CurlLibrary: @unchecked Sendable {
    // @unchecked Sendable: the function pointers are set once, in init, and only read after.
    let globalInit: idh_curl_global_init_fn
    let easyInit: idh_curl_easy_init_fn
    let easyCleanup: idh_curl_easy_cleanup_fn
    let easyPerform: idh_curl_easy_perform_fn
    let easyStrerror: idh_curl_easy_strerror_fn
    let slistAppend: idh_curl_slist_append_fn
    let slistFreeAll: idh_curl_slist_free_all_fn
    /// The variadic functions, called through CCurl's inline helpers.
    let setopt: UnsafeMutableRawPointer
    let getinfo: UnsafeMutableRawPointer

    /// The names a system's libcurl goes by: the soname first (Debian, Fedora, Alpine), then
    /// the development link and macOS's.
    static let libraryNames = ["libcurl.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"]

    /// The library, loaded once per process (or why it cannot be).
    package static let shared: Result<CurlLibrary, ConfigError> = DynamicLibrary.once { try CurlLibrary() }

    private init() throws {
        let library = try DynamicLibrary(names: Self.libraryNames, label: "libcurl",
                                         missing: "libcurl is not installed: notifications and BigQuery need it; on Debian or Ubuntu `apt install libcurl4`")
        globalInit = try library.function("curl_global_init", as: idh_curl_global_init_fn.self)
        easyInit = try library.function("curl_easy_init", as: idh_curl_easy_init_fn.self)
        easyCleanup = try library.function("curl_easy_cleanup", as: idh_curl_easy_cleanup_fn.self)
        easyPerform = try library.function("curl_easy_perform", as: idh_curl_easy_perform_fn.self)
        easyStrerror = try library.function("curl_easy_strerror", as: idh_curl_easy_strerror_fn.self)
        slistAppend = try library.function("curl_slist_append", as: idh_curl_slist_append_fn.self)
        slistFreeAll = try library.function("curl_slist_free_all", as: idh_curl_slist_free_all_fn.self)
        setopt = try library.pointer("curl_easy_setopt")
        getinfo = try library.pointer("curl_easy_getinfo")
        // Not thread-safe, so once, here, before any handle exists.
        _ = globalInit(Int(IDH_CURL_GLOBAL_ALL))
    }
}
