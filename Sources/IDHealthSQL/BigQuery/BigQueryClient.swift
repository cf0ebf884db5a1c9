import Foundation

/// BigQuery's REST API (v2), the calls idhealth makes: run a query and page through its
/// rows, cancel a job, read a dataset's and a table's metadata.
///
/// Why REST and not the ADBC BigQuery driver: the driver reads results through the Storage
/// Read API and has no option for another endpoint, so no local stand-in could prove it;
/// the REST API is what every BigQuery client speaks underneath, and a local emulator
/// answers it (docs/warehouses.md).
final class BigQueryClient: @unchecked Sendable {
    // @unchecked Sendable: `cancelled` and `runningJob` are guarded by `lock`; the rest is
    // set once in init.
    let location: BigQueryLocation
    private let token: String?
    private let curl: CurlLibrary
    private let lock = NSLock()
    private var cancelled = false
    private var runningJob: String?

    /// Rows asked for per page: a page of idhealth's widest rows stays within a few MB.
    static let pageRows = 10_000
    /// The largest response body read; BigQuery's own pages stop at 10 MB.
    static let maximumResponseBytes = 64 << 20
    /// How long one `jobs.query` or `getQueryResults` call waits on the server for the job
    /// to finish, before it is asked again: the pace at which a signal is noticed.
    static let waitMilliseconds = 2_000

    init(location: BigQueryLocation, token: String?, curl: CurlLibrary) {
        self.location = location
        self.token = token
        self.curl = curl
    }

    /// A DatabaseError of this engine, with the secret-free message.
    private func failure(_ code: String, _ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(engine: .bigquery, code: code, message: redact(message), sql: sql)
    }

    /// `text` without the access token.
    func redact(_ text: String) -> String {
        guard let token, !token.isEmpty else { return text }
        return text.replacingOccurrences(of: token, with: "***")
    }

    // MARK: - Calls

    /// A path segment, percent-encoded (table names may hold any character).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// One call of the API under `/bigquery/v2/projects/PROJECT`; the decoded JSON of a
    /// 2xx answer, nil for a 404 when `missingIsNil`, an error naming BigQuery's reason otherwise.
    func call(_ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: [String: Any]? = nil,
              missingIsNil: Bool = false, sql: String? = nil) throws -> [String: Any]? {
        try call(method, path, query: query, payload: body.map { (try JSONSerialization.data(withJSONObject: $0), "application/json") },
                 missingIsNil: missingIsNil, sql: sql)
    }

    /// A call with a body of any type (`payload`: the bytes and their content type), under
    /// `/upload` for a load job's data.
    func call(_ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], payload: (Data, String)?,
              upload: Bool = false, missingIsNil: Bool = false, sql: String? = nil) throws -> [String: Any]? {
        var url = location.endpoint + (upload ? "/upload" : "") + "/bigquery/v2/projects/" + Self.segment(location.project) + path
        if !query.isEmpty {
            var allowed = CharacterSet.urlQueryAllowed
            allowed.remove(charactersIn: "&=+?")
            url += "?" + query.map { $0.0 + "=" + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1) }.joined(separator: "&")
        }
        var headers = ["Content-Type: " + (payload?.1 ?? "application/json"), "Accept: application/json"]
        if let token { headers.append("Authorization: Bearer " + token) }
        let data = payload?.0
        let timeout = Double(Self.waitMilliseconds) / 1000 + 60
        let request = HTTPRequest(method: method, url: url, headers: headers, body: data, timeoutSeconds: timeout, maximumResponseBytes: Self.maximumResponseBytes)
        switch request.send(using: curl) {
        case .timedOut:
            throw failure("timeout", "BigQuery at \(location.endpoint) did not answer within \(Int(timeout)) s", sql: sql)
        case .failed(let reason):
            throw failure("connection", "BigQuery at \(location.endpoint) could not be reached: \(reason)", sql: sql)
        case .answered(let status, let bytes):
            let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any]
            if (200..<300).contains(status) {
                guard let json else { throw failure("response", "BigQuery answered HTTP \(status) with a body that is not a JSON object", sql: sql) }
                return json
            }
            if status == 404, missingIsNil { return nil }
            let error = json?["error"] as? [String: Any]
            let reason = ((error?["errors"] as? [[String: Any]])?.first?["reason"] as? String) ?? (error?["status"] as? String) ?? "http\(status)"
            let message = (error?["message"] as? String) ?? String(decoding: bytes.prefix(300), as: UTF8.self)
            throw failure(reason, "HTTP \(status): \(message)", sql: sql)
        }
    }

    // MARK: - Queries

    /// The schema of a result: each column's name and BigQuery type.
    struct Field {
        let name: String
        let type: String
    }

    /// Runs one statement (or script) and hands each page of rows to `page`, which returns
    /// `false` to stop reading. Returns the rows a DML statement changed (0 for others).
    /// `parameters` are positional (`?`), none NULL (the caller writes NULL as a literal).
    func query(_ text: String, parameters: [SQLValue], page: ([Field], [[Any]]) throws -> Bool) throws -> Int {
        var body: [String: Any] = [
            "query": text,
            "useLegacySql": false,
            "maxResults": Self.pageRows,
            "timeoutMs": Self.waitMilliseconds,
            "formatOptions": ["useInt64Timestamp": true],
        ]
        if let region = location.location { body["location"] = region }
        if let dataset = location.dataset { body["defaultDataset"] = ["projectId": location.project, "datasetId": dataset] }
        if !parameters.isEmpty {
            body["parameterMode"] = "POSITIONAL"
            body["queryParameters"] = parameters.map(Self.parameter)
        }
        // A signal cancels the statement running when it comes (as ADBC's StatementCancel
        // does), not the ones after it: the lock's release and the session's cleanup still run.
        lock.withLock { cancelled = false }
        defer { lock.withLock { runningJob = nil; cancelled = false } }
        var response = try call(.post, "/queries", body: body, sql: text) ?? [:]
        let job = (response["jobReference"] as? [String: Any])?["jobId"] as? String
        let jobLocation = (response["jobReference"] as? [String: Any])?["location"] as? String ?? location.location
        lock.withLock { runningJob = job }
        var results: [(String, String)] = [("maxResults", String(Self.pageRows)), ("formatOptions.useInt64Timestamp", "true")]
        if let jobLocation { results.append(("location", jobLocation)) }
        // A job still running: ask again, each call waiting up to waitMilliseconds on the server.
        while (response["jobComplete"] as? Bool) != true {
            guard let job else { throw failure("response", "BigQuery answered a query with neither its result nor its job", sql: text) }
            if lock.withLock({ cancelled }) {
                // The signal came before the job was known: cancel it here.
                cancelJob(job, location: jobLocation)
                throw failure("cancelled", "the statement was cancelled", sql: text)
            }
            response = try call(.get, "/queries/" + Self.segment(job), query: results + [("timeoutMs", String(Self.waitMilliseconds))], sql: text) ?? [:]
        }
        if let errors = response["errors"] as? [[String: Any]], let first = errors.first {
            throw failure((first["reason"] as? String) ?? "invalidQuery", (first["message"] as? String) ?? "the query failed", sql: text)
        }
        let changed = (response["numDmlAffectedRows"] as? String).flatMap(Int.init) ?? 0
        let fields = ((response["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).map {
            Field(name: $0["name"] as? String ?? "", type: ($0["type"] as? String ?? "STRING").uppercased())
        }
        while true {
            let rows = (response["rows"] as? [[String: Any]] ?? []).map { ($0["f"] as? [[String: Any]] ?? []).map { $0["v"] ?? NSNull() } }
            if !rows.isEmpty, try !page(fields, rows) { break }
            guard let token = response["pageToken"] as? String, !token.isEmpty, let job else { break }
            try checkCancelled(sql: text)
            response = try call(.get, "/queries/" + Self.segment(job), query: results + [("pageToken", token)], sql: text) ?? [:]
        }
        return changed
    }

    /// A query parameter as the API takes it: its type and its value as text.
    static func parameter(_ value: SQLValue) -> [String: Any] {
        let type: String
        switch value {
        case .integer: type = "INT64"
        case .real: type = "FLOAT64"
        case .text, .null: type = "STRING"
        }
        let parameterValue: [String: Any] = value.stringValue.map { ["value": $0] } ?? [:]
        return ["parameterType": ["type": type], "parameterValue": parameterValue]
    }

    // MARK: - Loading

    /// Appends newline-delimited JSON rows to a table with one load job (a multipart upload),
    /// and waits for it to finish: BigQuery's bulk path, which bills nothing and, unlike
    /// streaming inserts, leaves the rows open to `UPDATE` and `DELETE` at once.
    func load(_ rows: Data, into table: QualifiedName) throws {
        var job: [String: Any] = ["configuration": ["load": [
            "destinationTable": ["projectId": location.project, "datasetId": table.schema, "tableId": table.name],
            "sourceFormat": "NEWLINE_DELIMITED_JSON",
            "writeDisposition": "WRITE_APPEND",
            "createDisposition": "CREATE_NEVER",
        ] as [String: Any]]]
        if let region = location.location { job["jobReference"] = ["projectId": location.project, "location": region] }
        let boundary = "idhealth" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var body = Data("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".utf8)
        body.append(try JSONSerialization.data(withJSONObject: job))
        body.append(Data("\r\n--\(boundary)\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(rows)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let what = "loading rows into \(table.schema).\(table.name)"
        lock.withLock { cancelled = false }
        defer { lock.withLock { cancelled = false } }
        var response = try call(.post, "/jobs", query: [("uploadType", "multipart")], payload: (body, "multipart/related; boundary=" + boundary), upload: true, sql: what) ?? [:]
        let reference = response["jobReference"] as? [String: Any]
        while ((response["status"] as? [String: Any])?["state"] as? String) != "DONE" {
            guard let id = reference?["jobId"] as? String else { throw failure("response", "BigQuery answered a load job without its id", sql: what) }
            try checkCancelled(sql: what)
            // jobs.get does not wait on the server: a short pause between asks.
            Thread.sleep(forTimeInterval: 0.2)
            let region = (reference?["location"] as? String) ?? location.location
            response = try call(.get, "/jobs/" + Self.segment(id), query: region.map { [("location", $0)] } ?? [], sql: what) ?? [:]
        }
        if let error = (response["status"] as? [String: Any])?["errorResult"] as? [String: Any] {
            throw failure((error["reason"] as? String) ?? "invalid", (error["message"] as? String) ?? "the load job failed", sql: what)
        }
    }

    // MARK: - Cancelling

    /// Marks the connection cancelled and asks BigQuery to cancel the job running, if any:
    /// called from a signal's thread while the query's thread waits for an answer.
    func cancel() {
        let job = lock.withLock { () -> String? in
            cancelled = true
            return runningJob
        }
        if let job { cancelJob(job, location: location.location) }
    }

    private func cancelJob(_ job: String, location region: String?) {
        _ = try? call(.post, "/jobs/" + Self.segment(job) + "/cancel", query: region.map { [("location", $0)] } ?? [], body: [:])
    }

    private func checkCancelled(sql: String) throws {
        if lock.withLock({ cancelled }) { throw failure("cancelled", "the statement was cancelled", sql: sql) }
    }
}

/// Cancels a BigQuery connection's running job from another thread.
struct BigQueryInterrupter: DatabaseInterrupter {
    let client: BigQueryClient
    func interrupt() { client.cancel() }
}
