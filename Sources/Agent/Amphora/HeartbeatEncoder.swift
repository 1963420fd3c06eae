/// Builds signed amphora heartbeats the way Octavia's amphora agent sends them: a JSON body,
/// compressed as one zlib stream with its header, followed by the HMAC-SHA256 of the compressed
/// bytes as 64 lowercase hex digits.
///
/// Fast by construction: the JSON is written as bytes straight from a `HeartbeatTemplate` (no
/// JSONEncoder), buffers are reused, the HMAC context is keyed once and the zlib stream is reset
/// rather than re-created. With `.cachedPrefix` (the default) the template's constant JSON is
/// compressed once and each message only encodes its tail of numbers; with `.zlib` every message
/// is deflated whole, as `zlib.compress` would. Both produce streams any zlib inflates to the
/// same JSON. Not thread-safe: one encoder per thread.
public final class HeartbeatEncoder {
    /// How message bodies are compressed.
    public enum Compression: Sendable, Equatable {
        /// The template's constant beginning deflated once (level 9), the tail per message as a
        /// fixed-Huffman block: a few hundred nanoseconds, datagrams somewhat larger.
        case cachedPrefix
        /// The whole body deflated per message at `level` (0-9; Octavia's amphorae use 9).
        case zlib(level: Int32)
    }

    /// The largest UDP payload over IPv4: 65,535 minus the IP and UDP headers.
    public static let maxDatagramSize = 65_507
    /// The signature's length: HMAC-SHA256 as hex.
    static let signatureLength = 64

    /// How bodies are compressed.
    public let compression: Compression
    private let mac: HMACSHA256
    private let zlib: HeartbeatZlib
    private var text = ScratchBuffer()
    private var datagram = ScratchBuffer()

    /// An encoder signing with `key` (Octavia's `[health_manager] heartbeat_key`, as UTF-8).
    public init(key: String, compression: Compression = .cachedPrefix) throws {
        self.compression = compression
        mac = try HMACSHA256(key: Array(key.utf8))
        if case .zlib(let level) = compression {
            zlib = try HeartbeatZlib(level: level)
        } else {
            zlib = try HeartbeatZlib(level: 9)
        }
    }

    /// The template for `status`, to be kept and reused while the status stays the same.
    public func template(for status: AmphoraStatus) throws -> HeartbeatTemplate {
        try HeartbeatTemplate(status: status, zlib: zlib)
    }

    /// Builds the heartbeat numbered `seq` with one `ListenerStats` per listener of the
    /// template, and calls `body` with its bytes, valid only during the call. Throws
    /// `HeartbeatError.datagramTooLarge` rather than build a datagram over 65,507 bytes.
    public func withDatagram<Result>(
        _ template: HeartbeatTemplate, seq: UInt64, stats: [ListenerStats],
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let length = try stats.withUnsafeBufferPointer { stats in
            try checkCount(template, stats)
            switch compression {
            case .cachedPrefix:
                let length = try checkedLength(template, seq: seq, stats: stats)
                datagram.reserve(
                    template.compressedPrefix.count + FixedHuffmanBlock.bound(template.maxTailLength) + 4 + Self.signatureLength)
                let written = try encodeCached(template, seq: seq, stats: stats, padding: 0, to: datagram.base)
                assert(written == length, "heartbeat length \(written), computed \(length)")
                return written
            case .zlib:
                return try encodeZlib(template, seq: seq, stats: stats)
            }
        }
        return try body(UnsafeRawBufferPointer(start: datagram.base, count: length))
    }

    /// The heartbeat as a new array; `withDatagram` avoids the copy.
    public func datagram(_ template: HeartbeatTemplate, seq: UInt64, stats: [ListenerStats]) throws -> [UInt8] {
        try withDatagram(template, seq: seq, stats: stats) { Array($0) }
    }

    func checkCount(_ template: HeartbeatTemplate, _ stats: UnsafeBufferPointer<ListenerStats>) throws {
        guard stats.count == template.status.listeners.count else {
            throw HeartbeatError.statsCount(expected: template.status.listeners.count, got: stats.count)
        }
    }

    /// The exact length of the `.cachedPrefix` datagram, computed without building it; throws
    /// when it is over the UDP limit.
    func checkedLength(_ template: HeartbeatTemplate, seq: UInt64, stats: UnsafeBufferPointer<ListenerStats>) throws -> Int {
        var digits = Self.decimalLength(seq)
        for counters in stats {
            digits += Self.decimalLength(counters.tx) + Self.decimalLength(counters.rx) + Self.decimalLength(counters.conns)
                + Self.decimalLength(counters.totconns) + Self.decimalLength(counters.ereq)
        }
        // Digits are literals below 144: 8 bits each.
        let bits = 3 + template.segmentBits + 8 * digits + 7
        let length = template.compressedPrefix.count + (bits + 7) / 8 + 4 + Self.signatureLength
        guard length <= Self.maxDatagramSize else { throw HeartbeatError.datagramTooLarge(bytes: length) }
        return length
    }

    /// Builds a `.cachedPrefix` datagram at `output` (room for `checkedLength` + `padding`
    /// bytes), its JSON followed by `padding` spaces, each of which makes the datagram one byte
    /// longer (JSON allows trailing white space; a space is an 8-bit literal). Returns the length.
    func encodeCached(
        _ template: HeartbeatTemplate, seq: UInt64, stats: UnsafeBufferPointer<ListenerStats>, padding: Int,
        to output: UnsafeMutableRawPointer
    ) throws -> Int {
        text.reserve(template.maxTailLength + padding)
        let tailLength = writeTail(template, seq: seq, stats: stats, at: text.base)
        if padding > 0 { (text.base + tailLength).initializeMemory(as: UInt8.self, repeating: 0x20, count: padding) }
        let tail = UnsafeRawBufferPointer(start: text.base, count: tailLength + padding)
        let prefixLength = template.compressedPrefix.count
        template.compressedPrefix.withUnsafeBytes { output.copyMemory(from: $0.baseAddress!, byteCount: prefixLength) }
        let blockLength = FixedHuffmanBlock.write(tail, to: output + prefixLength)
        let adler = HeartbeatZlib.adler32(template.prefixAdler, tail)
        output.storeBytes(of: adler.bigEndian, toByteOffset: prefixLength + blockLength, as: UInt32.self)
        let compressedLength = prefixLength + blockLength + 4
        try sign(output, compressedLength)
        return compressedLength + Self.signatureLength
    }

    /// Builds a `.zlib` datagram in `datagram`; returns its length.
    private func encodeZlib(_ template: HeartbeatTemplate, seq: UInt64, stats: UnsafeBufferPointer<ListenerStats>) throws -> Int {
        let prefixLength = template.prefix.count
        text.reserve(prefixLength + template.maxTailLength)
        template.prefix.withUnsafeBytes { text.base.copyMemory(from: $0.baseAddress!, byteCount: prefixLength) }
        let length = prefixLength + writeTail(template, seq: seq, stats: stats, at: text.base + prefixLength)
        datagram.reserve(zlib.bound(length) + Self.signatureLength)
        let compressedLength = try zlib.compress(
            UnsafeRawBufferPointer(start: text.base, count: length),
            into: UnsafeMutableRawBufferPointer(start: datagram.base, count: datagram.capacity - Self.signatureLength))
        guard compressedLength + Self.signatureLength <= Self.maxDatagramSize else {
            throw HeartbeatError.datagramTooLarge(bytes: compressedLength + Self.signatureLength)
        }
        try sign(datagram.base, compressedLength)
        return compressedLength + Self.signatureLength
    }

    /// Appends the hex HMAC of the `length` bytes at `bytes` right after them.
    private func sign(_ bytes: UnsafeMutableRawPointer, _ length: Int) throws {
        try mac.authenticateHex(
            UnsafeRawBufferPointer(start: bytes, count: length), into: (bytes + length).assumingMemoryBound(to: UInt8.self))
    }

    /// Writes the numbers and the constant JSON after each at `output` (room for
    /// `template.maxTailLength` bytes); returns the length.
    private func writeTail(
        _ template: HeartbeatTemplate, seq: UInt64, stats: UnsafeBufferPointer<ListenerStats>, at output: UnsafeMutableRawPointer
    ) -> Int {
        template.segmentBytes.withUnsafeBytes { segments in
            template.segmentStarts.withUnsafeBufferPointer { starts in
                var offset = 0
                var index = 0
                func put(_ value: UInt64) {
                    offset += Self.writeDecimal(value, at: output + offset)
                    let start = starts[index], end = starts[index + 1]
                    if end > start {
                        (output + offset).copyMemory(from: segments.baseAddress! + start, byteCount: end - start)
                    }
                    offset += end - start
                    index += 1
                }
                for counters in stats {
                    put(counters.tx)
                    put(counters.rx)
                    put(counters.conns)
                    put(counters.totconns)
                    put(counters.ereq)
                }
                put(seq)
                return offset
            }
        }
    }

    /// How many decimal digits `value` has.
    @inline(__always)
    static func decimalLength(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// Writes `value` in decimal at `output` (at most 20 bytes); returns the digit count.
    @inline(__always)
    static func writeDecimal(_ value: UInt64, at output: UnsafeMutableRawPointer) -> Int {
        let digits = decimalLength(value)
        var rest = value
        var position = digits
        repeat {
            position -= 1
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
            output.storeBytes(of: UInt8(truncatingIfNeeded: remainder) &+ 0x30, toByteOffset: position, as: UInt8.self)
            rest = quotient
        } while rest > 0
        return digits
    }
}
