#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The HdrHistogram V2 encoding, byte for byte as Java's `encodeIntoCompressedByteBuffer`, the
/// C `hdr_log_encode` and the Python package's `encode()` produce it:
///
///     compressed:  cookie 0x1c849314 (u32 BE) | length (u32 BE) | zlib(payload)
///     payload:     cookie 0x1c849313 | payload length | normalizing index offset (0)
///                  | significant figures (u32 BE) | lowest, highest (i64 BE)
///                  | integer-to-double ratio (f64 BE, 1.0) | counts
///     counts:      ZigZag LEB128 (at most 9 bytes, the 9th carrying 8 bits), a run of n > 1
///                  zeros written as -n, up to the index of the largest recorded value.
extension Histogram {
    static let compressedCookie: UInt32 = 0x1c84_9314
    static let uncompressedCookie: UInt32 = 0x1c84_9313
    /// Bits 4-7 of a cookie hold a word size that V2 ignores.
    static let cookieWordSizeMask: UInt32 = 0xf0
    static let payloadHeaderLength = 40

    /// How the payload of a V2 compressed encoding is deflated. Both are standard zlib streams
    /// under the compressed cookie, decoded by every HdrHistogram implementation.
    public enum V2Compression: Sendable {
        /// zlib's default level: the smallest encoding, for files and results.
        case deflate
        /// Stored (uncompressed) deflate blocks: about twice the bytes, but encoding is a copy and
        /// a checksum, and decoding costs a third of a Huffman-coded block's inflate. The wire
        /// uses it (`Histogram.wireCompression`): a controller merging 10,000 agents' intervals
        /// spends most of its time inflating, and the agent's CPU belongs to the load it makes.
        case stored
    }

    /// The compression interval reports use on the wire, agents and benchmarks alike.
    public static let wireCompression = V2Compression.stored

    /// The standard V2 compressed encoding of this histogram.
    public func encodedV2(_ compression: V2Compression = .deflate) -> [UInt8] {
        let countsLimit = lastNonZeroIndex.map { $0 + 1 } ?? 0
        let capacity = Self.payloadHeaderLength + 9 * countsLimit
        let payload = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            var writer = ByteWriter(buffer)
            writer.skip(Self.payloadHeaderLength)
            counts.withUnsafeBufferPointer { counts in
                var index = 0
                while index < countsLimit {
                    let count = counts[index]
                    index += 1
                    if count == 0 {
                        var zeros: Int64 = 1
                        while index < countsLimit && counts[index] == 0 {
                            zeros += 1
                            index += 1
                        }
                        writer.putZigZag(zeros > 1 ? -zeros : 0)
                    } else {
                        writer.putZigZag(count)
                    }
                }
            }
            let varintLength = writer.position - Self.payloadHeaderLength
            writer.position = 0
            writer.putUInt32(Self.uncompressedCookie)
            writer.putUInt32(UInt32(varintLength))
            writer.putUInt32(0)
            writer.putUInt32(UInt32(significantFigures))
            writer.putUInt64(UInt64(bitPattern: lowestDiscernibleValue))
            writer.putUInt64(UInt64(bitPattern: highestTrackableValue))
            writer.putUInt64((1.0 as Double).bitPattern)
            written = Self.payloadHeaderLength + varintLength
        }
        let bound = Zlib.compressBound(payload.count)
        return [UInt8](unsafeUninitializedCapacity: 8 + bound) { buffer, written in
            let compressedLength: Int
            do {
                let destination = UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[8...]))
                compressedLength = try payload.withUnsafeBytes { source in
                    try Zlib.compress(source, into: destination, stored: compression == .stored)
                }
            } catch {
                // With a compressBound-sized buffer only an allocation failure inside zlib is left.
                fatalError("Histogram.encodedV2: \(error)")
            }
            var writer = ByteWriter(buffer)
            writer.putUInt32(Self.compressedCookie)
            writer.putUInt32(UInt32(compressedLength))
            written = 8 + compressedLength
        }
    }

    /// `encodedV2()` in standard Base64, the form .hlog lines and the Python package's `encode()` use.
    public func encodedV2Base64(_ compression: V2Compression = .deflate) -> String {
        Data(encodedV2(compression)).base64EncodedString()
    }

    /// Decodes a V2 encoding, compressed (cookie 0x1c849314) or not (0x1c849313), taking the
    /// layout from its header. Throws `malformedEncoding`, `invalidParameters` or `zlib`; never traps.
    public init(decodingV2 bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBufferPointer { bytes in
            try Self.withDecodedPayload(bytes) { header, varints in
                var counts = [Int64](repeating: 0, count: header.layout.countsLength)
                let total = try counts.withUnsafeMutableBufferPointer { counts in
                    try Self.decodeCounts(varints, into: counts)
                }
                return Histogram(
                    layout: header.layout, lowest: header.lowest, highest: header.highest,
                    significantFigures: header.significantFigures, counts: counts, totalCount: total)
            }
        }
    }

    /// Decodes `encodedV2Base64()` text (surrounding whitespace is ignored).
    public init(decodingV2Base64 text: String) throws {
        let trimmed = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard let data = Data(base64Encoded: trimmed) else {
            throw HistogramError.malformedEncoding("text is not valid Base64 (\(trimmed.utf8.count) characters)")
        }
        try self.init(decodingV2: [UInt8](data))
    }

    /// Decodes a V2 encoding straight into this histogram's counts, without building a second
    /// 23,552-entry array. The encoding must have this layout (`layoutMismatch` otherwise); on
    /// any error the histogram is left unchanged. To merge many, `HistogramMerger` does the same
    /// with no allocation per encoding, in a little over half the time.
    public mutating func add(decodingV2 bytes: [UInt8]) throws {
        let layout = self.layout
        try bytes.withUnsafeBufferPointer { bytes in
            try Self.withDecodedPayload(bytes) { header, varints in
                guard header.layout == layout else { throw HistogramError.layoutMismatch }
                try addCountsInPlace { counts in try Self.addCounts(varints, to: counts) }
            }
        }
    }
}
