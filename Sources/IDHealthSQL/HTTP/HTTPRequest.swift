import CCurl
import Foundation

/// One HTTP exchange through libcurl: a notification's POST, a call of BigQuery's REST API.
/// What came back, or why nothing did.
package struct HTTPRequest {
    package enum Method: String, Sendable {
        case get = "GET", post = "POST"
    }

    package enum Outcome: Equatable {
        /// The server answered with this status and body (empty when the body was not kept).
        case answered(status: Int, body: Data)
        /// No answer within the timeout.
        case timedOut
        /// No connection, the exchange broke off, or the body outgrew its bound (the reason).
        case failed(String)
    }

    package var method: Method
    package var url: String
    /// Header lines, `Name: value`.
    package var headers: [String]
    package var body: Data?
    package var timeoutSeconds: Double
    /// The most bytes of the response body kept; a longer body fails the exchange rather
    /// than grow without bound. 0: the body is discarded as it arrives.
    package var maximumResponseBytes: Int

    package init(method: Method, url: String, headers: [String] = [], body: Data? = nil, timeoutSeconds: Double, maximumResponseBytes: Int) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// Where the response body goes while libcurl reads it.
    private final class ResponseSink {
        var data = Data()
        let limit: Int
        var overflowed = false
        init(limit: Int) { self.limit = limit }
    }

    /// Sends the request once. Redirects are not followed: a server that moved answers 3xx,
    /// which is reported, not chased with the body to wherever it points.
    package func send(using curl: CurlLibrary) -> Outcome {
        guard let handle = curl.easyInit() else { return .failed("libcurl could not start a request") }
        defer { curl.easyCleanup(handle) }
        var list: OpaquePointer? = nil
        for line in headers + ["Expect:"] {
            list = curl.slistAppend(list, line)
        }
        defer { curl.slistFreeAll(list) }
        var errorBuffer = [CChar](repeating: 0, count: Int(IDH_CURL_ERROR_SIZE))
        let milliseconds = max(1, Int(timeoutSeconds * 1000))
        let sink = ResponseSink(limit: maximumResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        let payload = body ?? Data()
        let code: Int32 = withExtendedLifetime(sink) {
            url.withCString { urlText in
                "idhealth/\(IDHealthVersion.current)".withCString { agent in
                    payload.withUnsafeBytes { bytes in
                        errorBuffer.withUnsafeMutableBufferPointer { buffer in
                            let set = curl.setopt
                            _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_URL), urlText)
                            _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_USERAGENT), agent)
                            _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_ERRORBUFFER), buffer.baseAddress)
                            _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_HTTPHEADER), UnsafeRawPointer(list))
                            switch method {
                            case .get:
                                _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_HTTPGET), 1)
                            case .post:
                                _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_POST), 1)
                                _ = idh_curl_setopt_offset(set, handle, Int32(IDH_CURLOPT_POSTFIELDSIZE_LARGE), Int64(bytes.count))
                                // An empty body still needs a pointer, or libcurl reads stdin.
                                _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_POSTFIELDS), bytes.baseAddress ?? UnsafeRawPointer(agent))
                            }
                            // Signals are idhealth's (SIGTERM cancels a statement); timeouts must
                            // not use SIGALRM behind its back.
                            _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_NOSIGNAL), 1)
                            _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_TIMEOUT_MS), milliseconds)
                            _ = idh_curl_setopt_long(set, handle, Int32(IDH_CURLOPT_CONNECTTIMEOUT_MS), min(milliseconds, 30_000))
                            _ = idh_curl_setopt_pointer(set, handle, Int32(IDH_CURLOPT_WRITEDATA), sinkPointer)
                            _ = idh_curl_setopt_writer(set, handle) { data, size, count, user in
                                let length = size * count
                                let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
                                guard sink.limit > 0 else { return length }
                                guard sink.data.count + length <= sink.limit else {
                                    sink.overflowed = true
                                    return 0
                                }
                                if let data { sink.data.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length) }
                                return length
                            }
                            return curl.easyPerform(handle)
                        }
                    }
                }
            }
        }
        if code == Int32(IDH_CURLE_OK) {
            var status = 0
            _ = idh_curl_getinfo_long(curl.getinfo, handle, Int32(IDH_CURLINFO_RESPONSE_CODE), &status)
            return .answered(status: status, body: sink.data)
        }
        if sink.overflowed { return .failed("the response is larger than \(maximumResponseBytes) bytes") }
        if code == Int32(IDH_CURLE_OPERATION_TIMEDOUT) { return .timedOut }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .failed(detail.isEmpty ? (curl.easyStrerror(code).map { String(cString: $0) } ?? "libcurl error \(code)") : detail)
    }
}
