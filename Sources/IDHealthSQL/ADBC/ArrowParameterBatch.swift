import CADBC
import Foundation

/// One row of bound values as an Arrow record batch (a struct array of length 1 and its
/// schema), for `AdbcStatementBind`.
///
/// Each value is a column of its own type: `l` (int64), `g` (double), `u` (utf8) or `n`
/// (null, whose type the driver takes from the statement). All memory belongs to one
/// ``Storage`` object that the batch's top-level `release` callbacks free; the children's
/// callbacks only mark them released, as the C data interface lets a parent do.
enum ArrowParameterBatch {
    /// Everything the batch points at, kept alive until the driver releases it.
    final class Storage {
        var strings: [UnsafeMutablePointer<CChar>] = []
        var buffers: [UnsafeMutableRawPointer] = []
        var pointerArrays: [UnsafeMutableRawPointer] = []
        var schemas: [UnsafeMutablePointer<ArrowSchema>] = []
        var arrays: [UnsafeMutablePointer<ArrowArray>] = []
        /// Both top-level callbacks must run before the memory goes.
        var released = 0

        func string(_ text: String) -> UnsafePointer<CChar> {
            let copy = strdup(text)!
            strings.append(copy)
            return UnsafePointer(copy)
        }

        func buffer(_ bytes: Int) -> UnsafeMutableRawPointer {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 8), alignment: 64)
            memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 8))
            buffers.append(memory)
            return memory
        }

        func pointers<T>(_ items: [T?]) -> UnsafeMutablePointer<T?> {
            let memory = UnsafeMutablePointer<T?>.allocate(capacity: max(items.count, 1))
            memory.initialize(from: items, count: items.count)
            pointerArrays.append(UnsafeMutableRawPointer(memory))
            return memory
        }

        deinit {
            strings.forEach { free($0) }
            buffers.forEach { $0.deallocate() }
            pointerArrays.forEach { $0.deallocate() }
            schemas.forEach { $0.deallocate() }
            arrays.forEach { $0.deallocate() }
        }
    }

    /// Fills `schema` and `array` (owned by the caller, zeroed) with one row of `values`.
    /// `typedNulls` binds NULL as a null utf8 value, for a driver that takes no Arrow null
    /// type (Snowflake's); a text NULL converts to any column type there.
    static func fill(_ values: [SQLValue], typedNulls: Bool = false, schema: UnsafeMutablePointer<ArrowSchema>, array: UnsafeMutablePointer<ArrowArray>) {
        let storage = Storage()
        var childSchemas: [UnsafeMutablePointer<ArrowSchema>?] = []
        var childArrays: [UnsafeMutablePointer<ArrowArray>?] = []
        for (index, value) in values.enumerated() {
            let childSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            let childArray = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            storage.schemas.append(childSchema)
            storage.arrays.append(childArray)
            let format: String
            var buffers: [UnsafeRawPointer?]
            switch value {
            case .null where typedNulls:
                format = "u"
                let validity = storage.buffer(1)
                let offsets = storage.buffer(8)
                buffers = [UnsafeRawPointer(validity), UnsafeRawPointer(offsets), UnsafeRawPointer(storage.buffer(1))]
            case .null:
                format = "n"
                buffers = []
            case .integer(let number):
                format = "l"
                let data = storage.buffer(8)
                data.storeBytes(of: number, as: Int64.self)
                buffers = [nil, UnsafeRawPointer(data)]
            case .real(let number):
                format = "g"
                let data = storage.buffer(8)
                data.storeBytes(of: number, as: Double.self)
                buffers = [nil, UnsafeRawPointer(data)]
            case .text(let text):
                format = "u"
                let bytes = Array(text.utf8)
                let offsets = storage.buffer(8)
                offsets.storeBytes(of: Int32(0), as: Int32.self)
                offsets.storeBytes(of: Int32(bytes.count), toByteOffset: 4, as: Int32.self)
                let data = storage.buffer(bytes.count)
                bytes.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                buffers = [nil, UnsafeRawPointer(offsets), UnsafeRawPointer(data)]
            }
            childSchema.initialize(to: ArrowSchema(
                format: storage.string(format), name: storage.string("p\(index + 1)"), metadata: nil,
                flags: Int64(ARROW_FLAG_NULLABLE), n_children: 0, children: nil, dictionary: nil,
                release: { $0?.pointee.release = nil }, private_data: nil))
            childArray.initialize(to: ArrowArray(
                length: 1, null_count: value == .null ? 1 : 0, offset: 0, n_buffers: Int64(buffers.count), n_children: 0,
                buffers: buffers.isEmpty ? nil : UnsafeMutablePointer(mutating: storage.pointers(buffers)), children: nil, dictionary: nil,
                release: { $0?.pointee.release = nil }, private_data: nil))
            childSchemas.append(childSchema)
            childArrays.append(childArray)
        }
        let owner = Unmanaged.passRetained(storage).toOpaque()
        schema.pointee = ArrowSchema(
            format: storage.string("+s"), name: storage.string(""), metadata: nil, flags: 0,
            n_children: Int64(values.count), children: storage.pointers(childSchemas), dictionary: nil,
            release: { schema in
                guard let schema, let owner = schema.pointee.private_data else { return }
                schema.pointee.release = nil
                releaseStorage(owner)
            },
            private_data: owner)
        _ = Unmanaged.passRetained(storage)  // the array's reference, released by its callback
        let validity: [UnsafeRawPointer?] = [nil]
        array.pointee = ArrowArray(
            length: 1, null_count: 0, offset: 0, n_buffers: 1, n_children: Int64(values.count),
            buffers: UnsafeMutablePointer(mutating: storage.pointers(validity)), children: storage.pointers(childArrays), dictionary: nil,
            release: { array in
                guard let array, let owner = array.pointee.private_data else { return }
                array.pointee.release = nil
                releaseStorage(owner)
            },
            private_data: owner)
    }
}

/// Drops one of the two references a parameter batch's schema and array hold on its storage.
private func releaseStorage(_ owner: UnsafeMutableRawPointer) {
    Unmanaged<ArrowParameterBatch.Storage>.fromOpaque(owner).release()
}
