/// The reading half of the V2 codec: framing, payload header and the counts varint stream.
/// Every length and index is checked before use, because the bytes come from the network.
extension Histogram {
    /// The parsed 40-byte payload header.
    struct V2Header {
        var lowest: Int64
        var highest: Int64
        var significantFigures: Int
        var layout: HistogramLayout
        var varintLength: Int
    }

    /// Unwraps the compressed or uncompressed framing and hands the parsed header and the counts
    /// varint bytes to `body`.
    static func withDecodedPayload<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ body: (V2Header, UnsafeBufferPointer<UInt8>) throws -> Result
    ) throws -> Result {
        var reader = ByteReader(UnsafeRawBufferPointer(bytes))
        guard let cookie = reader.uint32() else {
            throw HistogramError.malformedEncoding("only \(bytes.count) bytes, too short for a cookie")
        }
        switch cookie & ~cookieWordSizeMask {
        case compressedCookie & ~cookieWordSizeMask:
            guard let length = reader.uint32() else {
                throw HistogramError.malformedEncoding("only \(bytes.count) bytes, too short for the 8-byte header")
            }
            guard Int(length) == reader.remaining else {
                throw HistogramError.malformedEncoding(
                    "header says \(length) compressed bytes follow but \(reader.remaining) do")
            }
            return try Zlib.inflate(
                UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[8...]),
                headerLength: payloadHeaderLength,
                payloadLength: { try parseHeader($0).varintLength },
                body: { header, varints in try body(parseHeader(header), varints) })
        case uncompressedCookie & ~cookieWordSizeMask:
            guard bytes.count >= payloadHeaderLength else {
                throw HistogramError.malformedEncoding(
                    "only \(bytes.count) bytes, too short for the \(payloadHeaderLength)-byte payload header")
            }
            let headerBytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[..<payloadHeaderLength])
            let header = try parseHeader(headerBytes)
            guard bytes.count - payloadHeaderLength == header.varintLength else {
                throw HistogramError.malformedEncoding(
                    "header says \(header.varintLength) payload bytes follow but \(bytes.count - payloadHeaderLength) do")
            }
            return try body(header, UnsafeBufferPointer(rebasing: bytes[payloadHeaderLength...]))
        default:
            throw HistogramError.malformedEncoding(
                "cookie 0x\(String(cookie, radix: 16)) is not a V2 histogram cookie (0x1c849314 or 0x1c849313)")
        }
    }

    /// Parses and validates the payload header, including the layout it describes.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> V2Header {
        var reader = ByteReader(bytes)
        guard let cookie = reader.uint32(), let varintLength = reader.uint32(),
            let normalizingIndexOffset = reader.uint32(), let significantFigures = reader.uint32(),
            let lowest = reader.uint64(), let highest = reader.uint64(), reader.uint64() != nil
        else {
            throw HistogramError.malformedEncoding("payload header is shorter than \(payloadHeaderLength) bytes")
        }
        guard cookie & ~cookieWordSizeMask == uncompressedCookie & ~cookieWordSizeMask else {
            throw HistogramError.malformedEncoding(
                "payload cookie 0x\(String(cookie, radix: 16)) is not the V2 encoding cookie 0x1c849313")
        }
        guard normalizingIndexOffset == 0 else {
            throw HistogramError.malformedEncoding(
                "normalizing index offset \(normalizingIndexOffset) is not supported (shifted histograms)")
        }
        let layout = try HistogramLayout(
            lowest: Int64(bitPattern: lowest), highest: Int64(bitPattern: highest),
            significantFigures: Int(significantFigures))
        // No count takes more than 9 bytes, which bounds what a hostile header can make us allocate.
        guard Int(varintLength) <= 9 * layout.countsLength else {
            throw HistogramError.malformedEncoding(
                "payload length \(varintLength) exceeds 9 bytes for each of the \(layout.countsLength) counts")
        }
        return V2Header(
            lowest: Int64(bitPattern: lowest), highest: Int64(bitPattern: highest),
            significantFigures: Int(significantFigures), layout: layout, varintLength: Int(varintLength))
    }

    /// Decodes `varints` into freshly zeroed `counts` and returns their sum.
    static func decodeCounts(
        _ varints: UnsafeBufferPointer<UInt8>, into counts: UnsafeMutableBufferPointer<Int64>
    ) throws -> Int64 {
        let result = applyCounts(varints, to: counts, end: varints.count, undo: false)
        if let failure = result.failure { throw failure.error }
        return result.total
    }

    /// Adds `varints` to `counts` in one pass; if they turn out malformed, re-decodes the prefix
    /// that was applied and subtracts it, so `counts` is left exactly as it was.
    static func addCounts(
        _ varints: UnsafeBufferPointer<UInt8>, to counts: UnsafeMutableBufferPointer<Int64>
    ) throws -> Int64 {
        let result = applyCounts(varints, to: counts, end: varints.count, undo: false)
        if let failure = result.failure {
            _ = applyCounts(varints, to: counts, end: failure.offset, undo: true)
            throw failure.error
        }
        return result.total
    }

    /// Adds (or with `undo`, subtracts) the counts in `varints[..<end]` and returns their sum;
    /// stops at the first varint that is truncated or does not fit, reporting its offset.
    private static func applyCounts(
        _ varints: UnsafeBufferPointer<UInt8>, to counts: UnsafeMutableBufferPointer<Int64>, end: Int, undo: Bool
    ) -> (total: Int64, failure: (offset: Int, error: HistogramError)?) {
        let countsLength = counts.count
        let sign: Int64 = undo ? -1 : 1
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(varints)[..<end]))
        var index = 0
        var total: Int64 = 0
        while reader.remaining > 0 {
            let start = reader.position
            guard let value = reader.zigZag() else {
                return (total, (start, .malformedEncoding("counts varint at payload byte \(start) is truncated")))
            }
            if value < 0 {
                guard value != .min, -value <= Int64(countsLength - index) else {
                    let run = value == .min ? "2^63" : String(-value)
                    return (total, (start, .malformedEncoding(
                        "a run of \(run) zeros at index \(index) passes the \(countsLength) counts of the layout")))
                }
                index += Int(-value)
            } else {
                guard index < countsLength else {
                    return (total, (start, .malformedEncoding(
                        "count at index \(index) is past the \(countsLength) counts of the layout")))
                }
                let (sum, overflow) = total.addingReportingOverflow(value)
                guard !overflow else {
                    return (total, (start, .malformedEncoding("counts sum past Int64.max at index \(index)")))
                }
                total = sum
                counts[index] &+= value &* sign
                index += 1
            }
        }
        return (total, nil)
    }
}
