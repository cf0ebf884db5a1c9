import CCurl
import Foundation
import IDHealthSQL

/// One HTTP POST of a JSON body through libcurl: what came back, or why nothing did.
struct HTTPPost {
    enum Outcome: Equatable {
        /// The server answered with this status.
        case answered(Int)
        /// No answer within the timeout.
        case timedOut
        /// No connection, or the exchange broke off (libcurl's message).
        case failed(String)
    }

    let url: String
    let body: Data
    let timeoutSeconds: Double

    /// Sends the request once. Redirects are not followed: a webhook that moved answers 3xx,
    /// which is reported, not chased with the body to wherever it points.
    func send(using curl: CurlLibrary) -> Outcome {
        guard let handle = curl.easyInit() else { return .failed("libcurl could not start a request") }
        defer { curl.easyCleanup(handle) }
        var headers: OpaquePointer? = nil
        for line in ["Content-Type: application/json", "Expect:"] {
            headers = curl.slistAppend(headers, line)
        }
        defer { curl.slistFreeAll(headers) }
        var errorBuffer = [CChar](repeating: 0, count: Int(IDH_CURL_ERROR_SIZE))
        let milliseconds = max(1, Int(timeoutSeconds * 1000))
        let code: Int32 = url.withCString { urlText in
            "idhealth/\(IDHealthVersion.current)".withCString { agent in
                body.withUnsafeBytes { bytes in
                    errorBuffer.withUnsafeMutableBufferPointer { buffer in
                        let set = curl.setopt
                        _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_URL), urlText)
                        _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_USERAGENT), agent)
                        _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_ERRORBUFFER), buffer.baseAddress)
                        _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_HTTPHEADER), UnsafeRawPointer(headers))
                        _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_POST), 1)
                        _ = idh_curl_setopt_offset(set, handle, Int32(IDH_CURLOPT_POSTFIELDSIZE_LARGE), Int64(bytes.count))
                        _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_POSTFIELDS), bytes.baseAddress)
                        // Signals are idhealth's (SIGTERM cancels a statement); timeouts must
                        // not use SIGALRM behind its back.
                        _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_NOSIGNAL), 1)
                        _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_TIMEOUT_MS), milliseconds)
                        _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_CONNECTTIMEOUT_MS), milliseconds)
                        // The response body is not needed: discarded as it arrives.
                        _ = idh_curl_setopt_writer(set, handle) { _, size, count, _ in size * count }
                        return curl.easyPerform(handle)
                    }
                }
            }
        }
        if code == Int32(IDH_CURLE_OK) {
            var status = 0
            _ = idh_curl_getinfo_long(curl.getinfo, handle, Int32(IDH_CURLINFO_RESPONSE_CODE), &status)
            return .answered(status)
        }
        if code == Int32(IDH_CURLE_OPERATION_TIMEDOUT) { return .timedOut }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .failed(detail.isEmpty ? (curl.easyStrerror(code).map { String(cString: $0) } ?? "libcurl error \(code)") : detail)
    }
}
