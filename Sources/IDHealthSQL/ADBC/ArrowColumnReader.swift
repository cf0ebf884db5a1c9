import CADBC
import Foundation

/// Reads the values of one Arrow column (an `ArrowArray` with its `ArrowSchema`) as
/// idhealth's values, following the Arrow C data interface's layouts
/// (https://arrow.apache.org/docs/format/CDataInterface.html#data-type-description-format-strings).
///
/// Times come out as the text a PostgreSQL session in UTC prints (`2024-05-18 04:07:00+00`, a
/// fraction only when there is one), so a value reads the same through ADBC as through libpq;
/// a timestamp without a zone has no suffix. Booleans are 1 and 0, as SQLite stores them.
/// Decimals with a scale are real numbers, whole decimals integers when they fit.
struct ArrowColumnReader {
    /// The types idhealth reads; anything else is an error naming the format and the column.
    indirect enum Kind {
        case null, boolean
        case signed(bytes: Int), unsigned(bytes: Int)
        case float32, float64
        case utf8, largeUTF8, utf8View
        /// A number the driver sends as text (PostgreSQL's `numeric`, whose precision Arrow's
        /// decimals may not hold), read as a real number, as libpq's value is.
        case numericText
        case binary, largeBinary
        case decimal128(scale: Int)
        case date32, date64
        case timestamp(unitsPerSecond: Int64, zoned: Bool)
        case dictionary(indexBytes: Int, signed: Bool, values: ArrowColumnReader)
    }

    let name: String
    let kind: Kind
    private let array: UnsafePointer<ArrowArray>

    init(schema: UnsafePointer<ArrowSchema>, array: UnsafePointer<ArrowArray>) throws {
        name = schema.pointee.name.map { String(cString: $0) } ?? ""
        self.array = array
        let format = schema.pointee.format.map { String(cString: $0) } ?? ""
        if let dictionary = schema.pointee.dictionary, let values = array.pointee.dictionary {
            let index = try Self.kind(format, column: name)
            let bytes: Int, signed: Bool
            switch index {
            case .signed(let b): (bytes, signed) = (b, true)
            case .unsigned(let b): (bytes, signed) = (b, false)
            default: throw ArrowError("column \(name): a dictionary with index type \(format)")
            }
            kind = .dictionary(indexBytes: bytes, signed: signed, values: try ArrowColumnReader(schema: dictionary, array: values))
        } else if format == "u", Self.metadata(schema.pointee.metadata)["ADBC:postgresql:typname"] == "numeric" {
            kind = .numericText
        } else {
            kind = try Self.kind(format, column: name)
        }
    }

    /// A field's metadata: an int32 count, then each key and value as an int32 length and
    /// its bytes, in native byte order.
    static func metadata(_ pointer: UnsafePointer<CChar>?) -> [String: String] {
        guard let pointer else { return [:] }
        let raw = UnsafeRawPointer(pointer)
        var offset = 0
        func int() -> Int {
            defer { offset += 4 }
            return Int(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        }
        func text() -> String {
            let count = int()
            defer { offset += count }
            return String(decoding: UnsafeRawBufferPointer(start: raw + offset, count: count), as: UTF8.self)
        }
        var result: [String: String] = [:]
        for _ in 0..<max(int(), 0) {
            let key = text()
            result[key] = text()
        }
        return result
    }

    private init(kind: Kind, name: String, array: UnsafePointer<ArrowArray>) {
        self.kind = kind
        self.name = name
        self.array = array
    }

    static func kind(_ format: String, column: String) throws -> Kind {
        switch format {
        case "n": return .null
        case "b": return .boolean
        case "c": return .signed(bytes: 1)
        case "s": return .signed(bytes: 2)
        case "i": return .signed(bytes: 4)
        case "l": return .signed(bytes: 8)
        case "C": return .unsigned(bytes: 1)
        case "S": return .unsigned(bytes: 2)
        case "I": return .unsigned(bytes: 4)
        case "L": return .unsigned(bytes: 8)
        case "f": return .float32
        case "g": return .float64
        case "u": return .utf8
        case "U": return .largeUTF8
        case "vu": return .utf8View
        case "z": return .binary
        case "Z": return .largeBinary
        case "tdD": return .date32
        case "tdm": return .date64
        default: break
        }
        if format.hasPrefix("d:") {
            // d:PRECISION,SCALE[,BITWIDTH]
            let parts = format.dropFirst(2).split(separator: ",")
            guard parts.count >= 2, let scale = Int(parts[1]) else { throw ArrowError("column \(column): decimal format \(format)") }
            if parts.count == 3, parts[2] != "128" { throw ArrowError("column \(column): a \(parts[2])-bit decimal, which idhealth does not read") }
            return .decimal128(scale: scale)
        }
        if format.hasPrefix("ts"), format.count >= 4 {
            let unit = format[format.index(format.startIndex, offsetBy: 2)]
            let zone = format.dropFirst(4)
            let perSecond: Int64
            switch unit {
            case "s": perSecond = 1
            case "m": perSecond = 1_000
            case "u": perSecond = 1_000_000
            case "n": perSecond = 1_000_000_000
            default: throw ArrowError("column \(column): timestamp format \(format)")
            }
            return .timestamp(unitsPerSecond: perSecond, zoned: !zone.isEmpty)
        }
        throw ArrowError("column \(column): Arrow type \(format), which idhealth does not read")
    }

    private func buffer(_ index: Int) -> UnsafeRawPointer? {
        guard index < array.pointee.n_buffers, let buffers = array.pointee.buffers else { return nil }
        return buffers[index]
    }

    func isNull(_ row: Int) -> Bool {
        if case .null = kind { return true }
        guard array.pointee.null_count != 0, let validity = buffer(0) else { return false }
        let bit = Int(array.pointee.offset) + row
        return validity.load(fromByteOffset: bit / 8, as: UInt8.self) & (1 << (bit % 8)) == 0
    }

    /// The value at `row` (0-based, before the array's offset).
    func value(_ row: Int) throws -> SQLValue {
        if isNull(row) { return .null }
        let at = Int(array.pointee.offset) + row
        switch kind {
        case .null:
            return .null
        case .boolean:
            guard let data = buffer(1) else { return .null }
            return .integer(data.load(fromByteOffset: at / 8, as: UInt8.self) & (1 << (at % 8)) == 0 ? 0 : 1)
        case .signed(let bytes):
            return .integer(signed(at, bytes: bytes))
        case .unsigned(let bytes):
            let value = unsigned(at, bytes: bytes)
            return value <= UInt64(Int64.max) ? .integer(Int64(value)) : .text(String(value))
        case .float32:
            return .real(Double(buffer(1)!.load(fromByteOffset: at * 4, as: Float.self)))
        case .float64:
            return .real(buffer(1)!.load(fromByteOffset: at * 8, as: Double.self))
        case .numericText:
            let text = try ArrowColumnReader(kind: .utf8, name: name, array: array).value(row)
            return text.stringValue.flatMap(Double.init).map(SQLValue.real) ?? text
        case .utf8, .binary:
            let offsets = buffer(1)!, data = buffer(2)
            let start = Int(offsets.load(fromByteOffset: at * 4, as: Int32.self))
            let end = Int(offsets.load(fromByteOffset: (at + 1) * 4, as: Int32.self))
            return .text(Self.text(data, start, end - start))
        case .largeUTF8, .largeBinary:
            let offsets = buffer(1)!, data = buffer(2)
            let start = Int(offsets.load(fromByteOffset: at * 8, as: Int64.self))
            let end = Int(offsets.load(fromByteOffset: (at + 1) * 8, as: Int64.self))
            return .text(Self.text(data, start, end - start))
        case .utf8View:
            // A 16-byte view: length, then the bytes inline (≤ 12) or a prefix, buffer index and offset.
            let views = buffer(1)!
            let length = Int(views.load(fromByteOffset: at * 16, as: Int32.self))
            if length <= 12 { return .text(Self.text(views, at * 16 + 4, length)) }
            let index = Int(views.load(fromByteOffset: at * 16 + 8, as: Int32.self))
            let offset = Int(views.load(fromByteOffset: at * 16 + 12, as: Int32.self))
            return .text(Self.text(buffer(2 + index), offset, length))
        case .decimal128(let scale):
            let data = buffer(1)!
            let low = data.loadUnaligned(fromByteOffset: at * 16, as: UInt64.self)
            let high = data.loadUnaligned(fromByteOffset: at * 16 + 8, as: Int64.self)
            let fits = (high == 0 && low <= UInt64(Int64.max)) || (high == -1 && low >= UInt64(1) << 63)
            if scale == 0, fits { return .integer(Int64(bitPattern: low)) }
            let whole = Double(high) * 18_446_744_073_709_551_616.0 + Double(low)
            return .real(whole / pow(10, Double(scale)))
        case .date32:
            let days = Int64(buffer(1)!.load(fromByteOffset: at * 4, as: Int32.self))
            return .text(String(UTCTime.format(days * 86_400).prefix(10)))
        case .date64:
            let milliseconds = buffer(1)!.load(fromByteOffset: at * 8, as: Int64.self)
            return .text(String(UTCTime.format(UTCTime.floorDivide(milliseconds, 1_000)).prefix(10)))
        case .timestamp(let perSecond, let zoned):
            let units = buffer(1)!.load(fromByteOffset: at * 8, as: Int64.self)
            let text = UTCTime.format(units: units, perSecond: perSecond)
            return .text(zoned ? text + "+00" : text)
        case .dictionary(let indexBytes, let isSigned, let values):
            let index = isSigned ? signed(at, bytes: indexBytes) : Int64(unsigned(at, bytes: indexBytes))
            return try values.value(Int(index))
        }
    }

    private func signed(_ at: Int, bytes: Int) -> Int64 {
        let data = buffer(1)!
        switch bytes {
        case 1: return Int64(data.load(fromByteOffset: at, as: Int8.self))
        case 2: return Int64(data.load(fromByteOffset: at * 2, as: Int16.self))
        case 4: return Int64(data.load(fromByteOffset: at * 4, as: Int32.self))
        default: return data.load(fromByteOffset: at * 8, as: Int64.self)
        }
    }

    private func unsigned(_ at: Int, bytes: Int) -> UInt64 {
        let data = buffer(1)!
        switch bytes {
        case 1: return UInt64(data.load(fromByteOffset: at, as: UInt8.self))
        case 2: return UInt64(data.load(fromByteOffset: at * 2, as: UInt16.self))
        case 4: return UInt64(data.load(fromByteOffset: at * 4, as: UInt32.self))
        default: return data.load(fromByteOffset: at * 8, as: UInt64.self)
        }
    }

    private static func text(_ data: UnsafeRawPointer?, _ start: Int, _ count: Int) -> String {
        guard let data, count > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data + start, count: count), as: UTF8.self)
    }

}

/// A result or a parameter batch that does not fit what the Arrow C data interface says.
struct ArrowError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
