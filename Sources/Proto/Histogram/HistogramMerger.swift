#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Adds V2-encoded histograms into a histogram, the way the controller merges thousands of
/// agents' interval reports a second: each encoding is inflated (libdeflate) into one buffer
/// the merger keeps, and its counts are added straight into the target's counts array, so no
/// report costs an allocation or a second 23,552-entry array.
///
/// The result is exactly that of `Histogram(decodingV2:)` followed by `add(_:)`, and what one
/// rejects the other rejects. Not thread-safe: one owner, one merge at a time.
public final class HistogramMerger {
    private let inflater = ZlibInflater()
    /// Holds one inflated payload; grown to the largest a target's layout can take.
    private var buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// A merger with no buffer yet; the first `add` sizes it.
    public init() {}

    deinit { buffer.deallocate() }

    /// Adds the V2 encoding `encoded` (compressed, cookie 0x1c849314, or not, 0x1c849313) into
    /// `histogram`. Throws `layoutMismatch` unless the encoding has the histogram's layout, and
    /// `malformedEncoding` or `invalidParameters` for anything that is not a valid encoding;
    /// on any error `histogram` is left unchanged.
    public func add(_ encoded: some ContiguousBytes, to histogram: inout Histogram) throws {
        try encoded.withUnsafeBytes { bytes in
            let payload: UnsafeRawBufferPointer
            switch try Self.framing(bytes) {
            case .uncompressed:
                payload = bytes
            case .compressed:
                // No valid encoding of the target's layout inflates to more than this (the header
                // bounds each count to 9 bytes), so neither can a hostile one make us allocate more.
                let limit = Histogram.payloadHeaderLength + 9 * histogram.countsLength
                if buffer.count < limit {
                    buffer.deallocate()
                    buffer = .allocate(byteCount: limit, alignment: 8)
                }
                let compressed = UnsafeRawBufferPointer(rebasing: bytes[8...])
                switch try inflater.inflate(compressed, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<limit])) {
                case .inflated(let length):
                    payload = UnsafeRawBufferPointer(rebasing: buffer[..<length])
                case .outputTooSmall:
                    // Another layout or a lying header: the streaming decoder says which.
                    _ = try Histogram(decodingV2: [UInt8](bytes))
                    throw HistogramError.layoutMismatch
                }
            }
            guard payload.count >= Histogram.payloadHeaderLength else {
                throw HistogramError.malformedEncoding(
                    "payload of \(payload.count) bytes is too short for the \(Histogram.payloadHeaderLength)-byte payload header")
            }
            let header = try Histogram.parseHeader(UnsafeRawBufferPointer(rebasing: payload[..<Histogram.payloadHeaderLength]))
            let varints = UnsafeRawBufferPointer(rebasing: payload[Histogram.payloadHeaderLength...])
            guard varints.count == header.varintLength else {
                throw HistogramError.malformedEncoding(
                    "header says \(header.varintLength) payload bytes follow but \(varints.count) do")
            }
            guard header.layout == histogram.layout else { throw HistogramError.layoutMismatch }
            try histogram.addCountsInPlace { counts in try Histogram.addVarints(varints, to: counts) }
        }
    }

    private enum Framing { case compressed, uncompressed }

    /// Checks the outer cookie and, for the compressed form, its length field.
    private static func framing(_ bytes: UnsafeRawBufferPointer) throws -> Framing {
        var reader = ByteReader(bytes)
        guard let cookie = reader.uint32() else {
            throw HistogramError.malformedEncoding("only \(bytes.count) bytes, too short for a cookie")
        }
        switch cookie & ~Histogram.cookieWordSizeMask {
        case Histogram.compressedCookie & ~Histogram.cookieWordSizeMask:
            guard let length = reader.uint32() else {
                throw HistogramError.malformedEncoding("only \(bytes.count) bytes, too short for the 8-byte header")
            }
            guard Int(length) == reader.remaining else {
                throw HistogramError.malformedEncoding(
                    "header says \(length) compressed bytes follow but \(reader.remaining) do")
            }
            return .compressed
        case Histogram.uncompressedCookie & ~Histogram.cookieWordSizeMask:
            return .uncompressed
        default:
            throw HistogramError.malformedEncoding(
                "cookie 0x\(String(cookie, radix: 16)) is not a V2 histogram cookie (0x1c849314 or 0x1c849313)")
        }
    }
}
