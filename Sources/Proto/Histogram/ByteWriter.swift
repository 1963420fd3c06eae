/// Big-endian integers and ZigZag LEB128 varints written into a buffer the caller sized for them.
struct ByteWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// The next byte to write.
    var position = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func skip(_ count: Int) {
        position += count
    }

    mutating func putUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            buffer[position] = UInt8(truncatingIfNeeded: value >> UInt32(shift))
            position += 1
        }
    }

    mutating func putUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            buffer[position] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
            position += 1
        }
    }

    /// HdrHistogram's ZigZag LEB128: 7 bits a byte for 8 bytes, then all 8 bits of the ninth, so
    /// any Int64 takes at most 9 bytes.
    @inline(__always)
    mutating func putZigZag(_ value: Int64) {
        var bits = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for _ in 0..<8 {
            if bits < 0x80 {
                buffer[position] = UInt8(truncatingIfNeeded: bits)
                position += 1
                return
            }
            buffer[position] = UInt8(truncatingIfNeeded: bits & 0x7f) | 0x80
            position += 1
            bits >>= 7
        }
        buffer[position] = UInt8(truncatingIfNeeded: bits)
        position += 1
    }
}
