import CADBC
import Foundation

/// An `ArrowArrayStream` a driver returned, read one record batch at a time.
///
/// Owns the stream: its `release` is called exactly once, in `deinit`, whether the rows were
/// read to the end, stopped early or failed. Each batch (and the schema) is released as soon
/// as its rows have been handed on, so memory holds one batch, never the result.
final class ArrowStreamReader {
    let stream: UnsafeMutablePointer<ArrowArrayStream>

    /// A zeroed stream for a driver to fill in.
    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: ArrowArrayStream())
    }

    deinit {
        if let release = stream.pointee.release { release(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Hands each row to `body` until it returns `false` or the stream ends.
    func forEachRow(_ body: (Row) throws -> Bool) throws {
        guard let getSchema = stream.pointee.get_schema, let getNext = stream.pointee.get_next else {
            throw ArrowError("the driver returned no result stream")
        }
        let schema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
        schema.initialize(to: ArrowSchema())
        defer {
            if let release = schema.pointee.release { release(schema) }
            schema.deallocate()
        }
        try check(getSchema(stream, schema), "reading the result's schema")
        let count = Int(schema.pointee.n_children)
        let fields: [UnsafeMutablePointer<ArrowSchema>] = (0..<count).map { schema.pointee.children![$0]! }
        let names = fields.map { $0.pointee.name.map { String(cString: $0) } ?? "" }
        let batch = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { batch.deallocate() }
        while true {
            batch.initialize(to: ArrowArray())
            try check(getNext(stream, batch), "reading a batch of the result")
            guard let release = batch.pointee.release else { return }  // the end
            defer { release(batch) }
            guard Int(batch.pointee.n_children) == count else {
                throw ArrowError("a batch has \(batch.pointee.n_children) columns, its schema \(count)")
            }
            let columns = try (0..<count).map { try ArrowColumnReader(schema: fields[$0], array: batch.pointee.children![$0]!) }
            let offset = Int(batch.pointee.offset)
            for row in 0..<Int(batch.pointee.length) {
                let values = try columns.map { try $0.value(offset + row) }
                if try !body(Row(columns: names, values: values)) { return }
            }
        }
    }

    private func check(_ status: Int32, _ doing: String) throws {
        guard status != 0 else { return }
        let message = stream.pointee.get_last_error.flatMap { $0(stream) }.map { String(cString: $0) }
        throw ArrowError("\(doing): \(message ?? "error \(status)")")
    }
}
