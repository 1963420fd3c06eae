/// Big-endian integers and ZigZag LEB128 varints read from untrusted bytes; every read returns
/// nil instead of running past the end.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes not yet read.
    var remaining: Int { bytes.count - position }

    mutating func uint32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 8 | UInt32(bytes[position + offset]) }
        position += 4
        return value
    }

    mutating func uint64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var value: UInt64 = 0
        for offset in 0..<8 { value = value << 8 | UInt64(bytes[position + offset]) }
        position += 8
        return value
    }

    /// The inverse of `ByteWriter.putZigZag`; nil when the bytes end inside a varint.
    @inline(__always)
    mutating func zigZag() -> Int64? {
        var bits: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<8 {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            bits |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return Self.unZigZag(bits) }
            shift += 7
        }
        guard position < bytes.count else { return nil }
        bits |= UInt64(bytes[position]) << 56
        position += 1
        return Self.unZigZag(bits)
    }

    @inline(__always)
    private static func unZigZag(_ bits: UInt64) -> Int64 {
        Int64(bitPattern: (bits >> 1) ^ (0 &- (bits & 1)))
    }
}
