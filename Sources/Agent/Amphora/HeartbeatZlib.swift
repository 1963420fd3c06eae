import CZlib

/// zlib for heartbeats: one deflate stream reused for every message (`deflateReset`, never a new
/// `deflateInit`), Adler-32, and a bounded inflate for the decoder. With HMACSHA256.swift, the
/// only files of the agent that call C libraries for heartbeats; zlib's int codes become
/// `HeartbeatError` here.
final class HeartbeatZlib {
    /// Largest inflated payload the decoder accepts; Octavia's own heartbeats are a few KiB.
    static let maxInflated = 16 << 20

    // zlib keeps a pointer back to the z_stream, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>

    /// A zlib-wrapped (header and Adler-32 trailer) deflate stream at `level` (0-9).
    init(level: Int32) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // deflateInit2 is a macro; this is what it expands to. windowBits 15 = zlib header.
        let code = deflateInit2_(
            stream, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            stream.deallocate()
            throw HeartbeatError.zlib(operation: "deflateInit2", code: code)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The most bytes `compress` can write for `count` input bytes.
    func bound(_ count: Int) -> Int {
        Int(deflateBound(stream, uLong(count)))
    }

    /// One complete zlib stream of `input` into `output` (at least `bound(input.count)` bytes);
    /// returns its length.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try run(input, output, flush: Z_FINISH, expect: Z_STREAM_END)
    }

    /// The zlib header and the deflate blocks of `input`, ended by a sync flush (an empty stored
    /// block) so that the bytes end on a byte boundary and more blocks can follow; no final
    /// block, no trailer.
    func compressPrefix(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        let capacity = bound(input.count) + 16
        return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = try run(input, UnsafeMutableRawBufferPointer(buffer), flush: Z_SYNC_FLUSH, expect: Z_OK)
        }
    }

    private func run(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer, flush: Int32, expect: Int32
    ) throws -> Int {
        var code = deflateReset(stream)
        guard code == Z_OK else { throw HeartbeatError.zlib(operation: "deflateReset", code: code) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        code = deflate(stream, flush)
        guard code == expect, stream.pointee.avail_in == 0 else {
            throw HeartbeatError.zlib(operation: "deflate", code: code == expect ? Z_BUF_ERROR : code)
        }
        return output.count - Int(stream.pointee.avail_out)
    }

    /// Adler-32 of `bytes`, continuing from `seed` (1 for an empty prefix).
    static func adler32(_ seed: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(CZlib.adler32(uLong(seed), bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }

    /// Inflates exactly one zlib stream (header required, checksum verified) that must fill
    /// `compressed` to its last byte.
    static func inflate(_ compressed: UnsafeRawBufferPointer) throws -> [UInt8] {
        try withUnsafeTemporaryAllocation(of: z_stream.self, capacity: 1) { streamBuffer in
            let stream = streamBuffer.baseAddress!
            stream.initialize(to: z_stream())
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: compressed.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(compressed.count)
            let initCode = inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard initCode == Z_OK else { throw HeartbeatError.zlib(operation: "inflateInit", code: initCode) }
            defer { inflateEnd(stream) }
            var output = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = uInt(buffer.count)
                    let code = CZlib.inflate(stream, Z_NO_FLUSH)
                    return (code, buffer.count - Int(stream.pointee.avail_out))
                }
                output += chunk[0..<produced]
                guard output.count <= maxInflated else {
                    throw HeartbeatError.malformed("inflates to more than \(maxInflated) bytes")
                }
                switch code {
                case Z_STREAM_END:
                    guard stream.pointee.avail_in == 0 else {
                        throw HeartbeatError.malformed("\(stream.pointee.avail_in) bytes after the end of the zlib stream")
                    }
                    return output
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    throw HeartbeatError.malformed("truncated (no end of stream)")
                case Z_DATA_ERROR:
                    let reason = stream.pointee.msg.map { String(cString: $0) } ?? "corrupt data"
                    throw HeartbeatError.malformed(reason)
                default:
                    throw HeartbeatError.zlib(operation: "inflate", code: code)
                }
            }
        }
    }
}
