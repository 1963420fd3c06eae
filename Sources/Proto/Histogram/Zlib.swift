import CZlib

/// zlib through its C API. The only file that imports CZlib, and the one place where zlib's int
/// return codes become thrown `HistogramError.zlib` values.
enum Zlib {
    /// Throws unless `code` is `Z_OK`.
    private static func check(_ code: Int32, _ operation: String) throws {
        guard code == Z_OK else { throw HistogramError.zlib(operation: operation, code: code) }
    }

    /// The most bytes `compress` can produce for `count` input bytes.
    static func compressBound(_ count: Int) -> Int {
        Int(CZlib.compressBound(uLong(count)))
    }

    /// Deflates `source` with the zlib header and Adler-32 trailer (what Java's `Deflater` and
    /// Python's `zlib.compress` produce) into `destination`, which must hold `compressBound`
    /// bytes; returns the compressed length. `stored` writes uncompressed blocks (level 0).
    static func compress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, stored: Bool = false
    ) throws -> Int {
        var destinationLength = uLongf(destination.count)
        let code = compress2(
            destination.baseAddress?.assumingMemoryBound(to: Bytef.self), &destinationLength,
            source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count),
            stored ? Z_NO_COMPRESSION : Z_DEFAULT_COMPRESSION)
        try check(code, "compress2")
        return Int(destinationLength)
    }

    /// Inflates the zlib stream `compressed` in two steps without guessing the output size:
    /// first exactly `headerLength` bytes, from which `payloadLength` reads how many bytes follow,
    /// then exactly that many; `body` sees both. The stream must end (checksum verified) right
    /// after the payload.
    static func inflate<Result>(
        _ compressed: UnsafeRawBufferPointer,
        headerLength: Int,
        payloadLength: (UnsafeRawBufferPointer) throws -> Int,
        body: (UnsafeRawBufferPointer, UnsafeBufferPointer<UInt8>) throws -> Result
    ) throws -> Result {
        guard compressed.count <= Int(UInt32.max) else {
            throw HistogramError.malformedEncoding("compressed payload of \(compressed.count) bytes is too large")
        }
        // zlib keeps a pointer back to the z_stream, so it must not move: no Swift local `var`.
        return try withUnsafeTemporaryAllocation(of: z_stream.self, capacity: 1) { streamBuffer in
            let stream = streamBuffer.baseAddress!
            stream.initialize(to: z_stream())
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: compressed.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(compressed.count)
            try check(inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)), "inflateInit")
            defer { inflateEnd(stream) }

            return try withUnsafeTemporaryAllocation(byteCount: headerLength, alignment: 8) { header in
                try fill(stream, header, what: "payload header")
                let payloadCount = try payloadLength(UnsafeRawBufferPointer(header))
                return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: payloadCount) { payload in
                    try fill(stream, UnsafeMutableRawBufferPointer(payload), what: "counts payload")
                    try finish(stream)
                    return try body(UnsafeRawBufferPointer(header), UnsafeBufferPointer(payload))
                }
            }
        }
    }

    /// Inflates until `output` is full; a stream that ends or runs out of input first is truncated.
    private static func fill(
        _ stream: UnsafeMutablePointer<z_stream>, _ output: UnsafeMutableRawBufferPointer, what: String
    ) throws {
        guard let base = output.baseAddress, output.count > 0 else { return }
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        while stream.pointee.avail_out > 0 {
            let code = CZlib.inflate(stream, Z_NO_FLUSH)
            if code == Z_STREAM_END || code == Z_BUF_ERROR, stream.pointee.avail_out > 0 {
                let got = output.count - Int(stream.pointee.avail_out)
                throw HistogramError.malformedEncoding(
                    "compressed data ends after \(got) of the \(output.count) bytes of the \(what)")
            }
            if code == Z_STREAM_END { break }
            try check(code, "inflate")
        }
    }

    /// Requires the stream to end now, which also verifies its Adler-32 checksum.
    private static func finish(_ stream: UnsafeMutablePointer<z_stream>) throws {
        var spare: UInt8 = 0
        let code = withUnsafeMutablePointer(to: &spare) { spare in
            stream.pointee.next_out = spare
            stream.pointee.avail_out = 1
            return CZlib.inflate(stream, Z_FINISH)
        }
        if stream.pointee.avail_out == 0 {
            throw HistogramError.malformedEncoding("decompressed data is longer than its payload header says")
        }
        switch code {
        case Z_STREAM_END:
            return
        case Z_BUF_ERROR, Z_OK:
            throw HistogramError.malformedEncoding("compressed data is truncated (no zlib end of stream)")
        default:
            try check(code, "inflate")
        }
    }
}
