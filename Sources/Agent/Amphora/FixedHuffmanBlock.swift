/// One final deflate block with the fixed Huffman codes of RFC 1951 §3.2.6, literals only.
///
/// This is how a heartbeat's tail (the counters and `seq`, a few hundred bytes that change every
/// message) is encoded after the template's pre-compressed beginning: no match search and no
/// tree building, which is where zlib spends most of its time on inputs this small, at the cost
/// of about one byte per tail character.
enum FixedHuffmanBlock {
    /// Per byte value: the code, bit-reversed for deflate's LSB-first packing, in the low 16
    /// bits, and its length above them. Literals 0-143 take 8 bits, 144-255 take 9.
    private static let literals: [UInt32] = (0..<256).map { value in
        let (code, length) = value < 144 ? (0x30 + value, 8) : (0x190 + value - 144, 9)
        var reversed = 0
        for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
        return UInt32(reversed) | UInt32(length) << 16
    }

    /// The most bytes `write` produces for `count` literals: 3 header bits, 9 bits a literal at
    /// most, 7 for the end of block, rounded up to whole bytes.
    static func bound(_ count: Int) -> Int {
        (3 + 9 * count + 7 + 7) / 8
    }

    /// Writes `text` as a final fixed-Huffman block starting on a byte boundary at `output`,
    /// which must hold `bound(text.count)` bytes; returns the bytes written (the last one padded
    /// with zero bits).
    static func write(_ text: UnsafeRawBufferPointer, to output: UnsafeMutableRawPointer) -> Int {
        literals.withUnsafeBufferPointer { table in
            // BFINAL = 1, then BTYPE = 01 (fixed codes), least significant bit first.
            var bits: UInt64 = 0b011
            var count = 3
            var offset = 0
            for byte in text {
                let entry = table[Int(byte)]
                bits |= UInt64(entry & 0xFFFF) &<< UInt64(count)
                count &+= Int(entry >> 16)
                if count >= 32 {
                    output.storeBytes(of: UInt32(truncatingIfNeeded: bits).littleEndian, toByteOffset: offset, as: UInt32.self)
                    offset &+= 4
                    bits &>>= 32
                    count &-= 32
                }
            }
            // End of block: symbol 256, seven zero bits.
            count += 7
            while count > 0 {
                output.storeBytes(of: UInt8(truncatingIfNeeded: bits), toByteOffset: offset, as: UInt8.self)
                offset += 1
                bits >>= 8
                count -= 8
            }
            return offset
        }
    }
}
