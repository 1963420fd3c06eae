import Foundation
import Testing

@testable import Proto

/// The merge path (libdeflate and the pointer varint pass) against the reference path
/// (zlib's streaming inflate, `Histogram(decodingV2:)`, then `add(_:)`).
@Suite("HistogramMerger: V2 encodings added straight into a histogram")
struct HistogramMergerTests {
    typealias V2 = HistogramV2Tests

    /// Histograms whose encodings exercise every branch of the varint pass: single-byte counts
    /// and runs, counts of 64 and more, runs longer than 64, 9-byte varints, counts in the last
    /// 512 indexes, an empty and a zero-only histogram.
    static func shapes() -> [Histogram] {
        var shapes = (1...6).map { V2.variedHistogram(seed: UInt64($0), values: $0 * 900) }
        var dense = Histogram()
        for value in 1...3_000 { dense.record(Int64(value), count: Int64(value % 97)) }
        var top = Histogram()
        let last = top.countsLength - 1
        for index in stride(from: last - 600, through: last, by: 3) { top.record(top.value(atIndex: index), count: 2) }
        top.record(1)
        var huge = Histogram()
        huge.record(7, count: Int64.max / 4)
        var zeroOnly = Histogram()
        zeroOnly.record(0, count: 3)
        shapes += [dense, top, huge, zeroOnly, Histogram()]
        return shapes
    }

    /// The uncompressed (0x1c849313) form of a compressed encoding, inflated by zlib.
    static func uncompressedForm(of compressed: [UInt8]) -> [UInt8] {
        compressed.withUnsafeBytes { bytes in
            try! Zlib.inflate(
                UnsafeRawBufferPointer(rebasing: bytes[8...]), headerLength: Histogram.payloadHeaderLength,
                payloadLength: { try Histogram.parseHeader($0).varintLength },
                body: { header, varints in Array(header) + Array(varints) })
        }
    }

    /// `payload` deflated by zlib behind the compressed cookie and its length, however wrong the
    /// payload is.
    static func compressedForm(of payload: [UInt8]) -> [UInt8] {
        var compressed = [UInt8](repeating: 0, count: Zlib.compressBound(payload.count))
        let length = try! payload.withUnsafeBytes { source in
            try compressed.withUnsafeMutableBytes { try Zlib.compress(source, into: $0) }
        }
        func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        return be32(0x1c84_9314) + be32(UInt32(length)) + compressed.prefix(length)
    }

    /// Every count, the total, min and max of `merged` against `expected`.
    static func expectIdentical(_ merged: Histogram, _ expected: Histogram, _ comment: Comment? = nil) {
        #expect(merged.countsLength == expected.countsLength, comment)
        let differing = zip(merged.counts, expected.counts).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "counts differ at indexes \(differing.prefix(10)) \(comment.map { "\($0)" } ?? "")")
        #expect(merged.totalCount == expected.totalCount, comment)
        #expect(merged.totalCount == merged.counts.reduce(0, &+), comment)
        #expect(merged.minValue == expected.minValue, comment)
        #expect(merged.maxValue == expected.maxValue, comment)
        #expect(merged == expected, comment)
    }

    @Test("merging many encodings gives exactly what decoding each and adding gives")
    func sameAsDecodeThenAdd() throws {
        let merger = HistogramMerger()
        var merged = Histogram()
        var expected = Histogram()
        var encodings = Self.shapes().map { $0.encodedV2() } + Self.shapes().map { $0.encodedV2(.stored) }
        // Also the uncompressed form, and a second round so the reused buffer holds old bytes.
        encodings += encodings.map { Self.uncompressedForm(of: $0) } + encodings.reversed()
        // Recorded values stop at index 23,220 (the highest trackable value); the decoder also
        // takes counts up to the last index, where every step is bounds-checked.
        let tail = V2.zigZag(-23_549) + V2.zigZag(3) + V2.zigZag(0) + V2.zigZag(4)
        encodings += [Self.compressedForm(of: V2.uncompressed(varints: tail)), V2.uncompressed(varints: tail)]
        for (number, encoding) in encodings.enumerated() {
            try merger.add(encoding, to: &merged)
            try expected.add(Histogram(decodingV2: encoding))
            Self.expectIdentical(merged, expected, "after encoding \(number)")
        }
        #expect(merged.counts[merged.countsLength - 1] == 8 && merged.counts[merged.countsLength - 3] == 6)
        // Data works as well as [UInt8] (SwiftProtobuf hands reports over as Data).
        try merger.add(Data(encodings[0]), to: &merged)
        try expected.add(Histogram(decodingV2: encodings[0]))
        Self.expectIdentical(merged, expected, "from Data")
    }

    @Test("other layouts merge into a histogram of their layout, and into no other",
          arguments: [(1, 3_600_000_000, 2), (1_000, 60_000_000_000, 3), (1, 3_600_000_000, 4)])
    func otherLayouts(lowest: Int64, highest: Int64, significantFigures: Int) throws {
        let merger = HistogramMerger()
        var source = Histogram(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantFigures: significantFigures)
        var generator = SeededGenerator(seed: UInt64(significantFigures))
        for _ in 0..<5_000 { source.record(generator.latency() * lowest) }
        var merged = Histogram(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantFigures: significantFigures)
        try merger.add(source.encodedV2(), to: &merged)
        try merger.add(source.encodedV2(), to: &merged)
        var expected = source
        try expected.add(source)
        Self.expectIdentical(merged, expected)

        var standard = Histogram()
        standard.record(100)
        let before = standard
        #expect(throws: HistogramError.layoutMismatch) { try merger.add(source.encodedV2(), to: &standard) }
        #expect(standard == before)
    }

    /// Encodings that must be rejected, each with what is wrong with it.
    static func malformed() -> [(String, [UInt8])] {
        let valid = V2.variedHistogram(seed: 11, values: 3_000).encodedV2()
        var cases: [(String, [UInt8])] = []
        for length in [0, 3, 4, 7, 8, 9, 12, 20, valid.count / 2, valid.count - 4, valid.count - 1] {
            var truncated = Array(valid.prefix(length))
            if truncated.count >= 8 {
                // With the length field fixed up, so that inflate itself meets the end.
                let compressed = UInt32(truncated.count - 8)
                for byte in 0..<4 { truncated[4 + byte] = UInt8(truncatingIfNeeded: compressed >> (24 - 8 * byte)) }
            }
            cases.append(("truncated to \(length) bytes", truncated))
        }
        var checksum = valid
        checksum[checksum.count - 1] ^= 0x01
        cases.append(("Adler-32 checksum off by one bit", checksum))
        var deflate = valid
        for offset in 10..<20 { deflate[offset] = 0xff }
        cases.append(("deflate data overwritten", deflate))
        var zlibHeader = valid
        zlibHeader[8] = 0x79
        cases.append(("zlib header that is not deflate", zlibHeader))
        var cookie = valid
        cookie[3] = 0x15
        cases.append(("outer cookie 0x1c849315", cookie))
        cases.append(("payload cookie wrong", Self.compressedForm(of: [0x1c, 0x84, 0x93, 0x12] + V2.uncompressed(varints: [2]).dropFirst(4))))
        let past = V2.zigZag(-23_552) + V2.zigZag(1)
        cases.append(("count one past the end of the counts", Self.compressedForm(of: V2.uncompressed(varints: past))))
        cases.append(("count past the end, uncompressed", V2.uncompressed(varints: past)))
        let badTail = V2.zigZag(5) + V2.zigZag(-100) + V2.zigZag(9) + [UInt8](repeating: 0x7f, count: 400) + V2.zigZag(3)
        cases.append(("zero runs that end past the counts after counts were added", Self.compressedForm(of: V2.uncompressed(varints: badTail))))
        cases.append(("a zero run of 2^62", V2.uncompressed(varints: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])))
        cases.append(("a varint cut short", Self.compressedForm(of: V2.uncompressed(varints: V2.zigZag(4) + [0x80]))))
        let overflow = V2.zigZag(3) + V2.zigZag(Int64.max) + V2.zigZag(2)
        cases.append(("counts whose sum passes Int64.max", Self.compressedForm(of: V2.uncompressed(varints: overflow))))
        let lying = V2.uncompressed(varints: V2.zigZag(4) + V2.zigZag(6))
        cases.append(("payload length one more than the varints", Self.compressedForm(of: Array(lying[..<7]) + [lying[7] + 1] + lying[8...])))
        cases.append(("payload length one less than the varints", Self.compressedForm(of: Array(lying[..<7]) + [lying[7] - 1] + lying[8...])))
        cases.append(("significant figures 9", Self.compressedForm(of: V2.uncompressed(figures: 9, varints: []))))
        return cases
    }

    @Test("malformed encodings are rejected, change nothing, and the next merge is still right")
    func malformedIsRejected() throws {
        let merger = HistogramMerger()
        var merged = V2.variedHistogram(seed: 12)
        var expected = merged
        let valid = V2.variedHistogram(seed: 13, values: 700).encodedV2()
        for (what, bytes) in Self.malformed() {
            let before = merged
            #expect(throws: HistogramError.self, "\(what)") { try merger.add(bytes, to: &merged) }
            #expect(throws: HistogramError.self, "reference: \(what)") { try Histogram(decodingV2: bytes) }
            Self.expectIdentical(merged, before, "after \(what)")
            try merger.add(valid, to: &merged)
            try expected.add(Histogram(decodingV2: valid))
            Self.expectIdentical(merged, expected, "valid merge after \(what)")
        }
    }

    @Test("corrupted and random bytes: the merger accepts exactly what the reference accepts, with the same counts",
          arguments: [Histogram.V2Compression.deflate, .stored])
    func agreesWithReferenceOnCorruption(compression: Histogram.V2Compression) throws {
        let merger = HistogramMerger()
        var generator = SeededGenerator(seed: 14)
        let valid = V2.variedHistogram(seed: 15, values: 400).encodedV2(compression)
        var inputs: [[UInt8]] = []
        for position in valid.indices {
            for mask: UInt8 in [0x01, 0x5a, 0x80] {
                var corrupted = valid
                corrupted[position] ^= mask
                inputs.append(corrupted)
            }
        }
        for length in 0..<120 {
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            inputs += [noise, [0x1c, 0x84, 0x93, 0x14, 0, 0, 0, UInt8(length)] + noise, [0x1c, 0x84, 0x93, 0x13] + noise]
        }
        var accepted = 0
        for (number, input) in inputs.enumerated() {
            var merged = Histogram()
            let reference = try? Histogram(decodingV2: input)
            let fast: Histogram? = (try? merger.add(input, to: &merged)).map { merged }
            if let reference, reference.countsLength == merged.countsLength {
                accepted += 1
                try #require(fast != nil, "input \(number) decodes in the reference path only")
                Self.expectIdentical(fast!, reference, "input \(number)")
            } else {
                #expect(fast == nil, "input \(number) decodes in the merge path only")
                #expect(merged == Histogram(), "input \(number) changed the target")
            }
        }
        #expect(accepted > 0)
    }
}
