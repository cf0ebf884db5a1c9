import Foundation
import IDHealthSQL

/// One HTTP POST of a JSON body (a notification), whose answer's status is all that counts.
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

    /// Sends the request once; the response body is discarded as it arrives.
    func send(using curl: CurlLibrary) -> Outcome {
        let request = HTTPRequest(method: .post, url: url, headers: ["Content-Type: application/json"], body: body,
                                  timeoutSeconds: timeoutSeconds, maximumResponseBytes: 0)
        switch request.send(using: curl) {
        case .answered(let status, _): return .answered(status)
        case .timedOut: return .timedOut
        case .failed(let reason): return .failed(reason)
        }
    }
}
