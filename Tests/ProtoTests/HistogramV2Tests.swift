import Foundation
import Testing

@testable import Proto

@Suite("HdrHistogram V2 encoding")
struct HistogramV2Tests {
    /// A few thousand latencies from 1 µs to minutes, with repeated counts and edge values.
    static func variedHistogram(seed: UInt64, values: Int = 4_000) -> Histogram {
        var generator = SeededGenerator(seed: seed)
        var histogram = Histogram()
        for value: Int64 in [1, 2_047, 2_048, 1_000_000, 3_600_000_000] { histogram.record(value) }
        for step in 0..<values {
            histogram.record(generator.latency(), count: step % 17 == 0 ? Int64(step % 5 + 2) : 1)
        }
        return histogram
    }

    /// An uncompressed V2 encoding built by hand from the format description.
    static func uncompressed(lowest: Int64 = 1, highest: Int64 = 3_600_000_000, figures: UInt32 = 3, varints: [UInt8]) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func be64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
        return be32(0x1c84_9313) + be32(UInt32(varints.count)) + be32(0) + be32(figures)
            + be64(UInt64(bitPattern: lowest)) + be64(UInt64(bitPattern: highest)) + be64((1.0).bitPattern) + varints
    }

    /// ZigZag LEB128 of `value`, written independently of the codec under test.
    static func zigZag(_ value: Int64) -> [UInt8] {
        var bits = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var bytes: [UInt8] = []
        while bits >= 0x80 && bytes.count < 8 {
            bytes.append(UInt8(bits & 0x7f) | 0x80)
            bits >>= 7
        }
        return bytes + [UInt8(truncatingIfNeeded: bits)]
    }

    @Test("our encoding decodes in Python to the same counts, percentiles, min, max and mean",
          arguments: [Histogram.V2Compression.deflate, .stored])
    func pythonDecodesOurs(compression: Histogram.V2Compression) throws {
        struct Request: Encodable { let encodings: [String]; let percentiles: [Double] }
        var zeroOnly = Histogram()
        zeroOnly.record(0, count: 3)
        var oneBig = Histogram()
        oneBig.record(45_000_000)
        let histograms = [Self.variedHistogram(seed: 1), Self.variedHistogram(seed: 2, values: 50), Histogram(), zeroOnly, oneBig]
        let answers = try PythonReference.call(
            "decode", Request(encodings: histograms.map { $0.encodedV2Base64(compression) }, percentiles: ReferenceStats.percentiles),
            as: [ReferenceStats].self)
        try #require(answers.count == histograms.count)
        for (index, (histogram, reference)) in zip(histograms, answers).enumerated() {
            reference.expectMatches(histogram, "histogram \(index)")
        }
        #expect(answers[0].total > 4_000)
    }

    @Test("Python's encoding decodes with ours to what Python reports, in several layouts",
          arguments: [(1, 3_600_000_000, 3), (1, 3_600_000_000, 2), (1_000, 60_000_000_000, 3), (1, 3_600_000_000, 4)])
    func oursDecodesPython(lowest: Int64, highest: Int64, significantFigures: Int) throws {
        struct Request: Encodable {
            let seed: Int; let count: Int; let lowest: Int64; let highest: Int64; let significantFigures: Int
            let percentiles: [Double]
        }
        struct Answer: Decodable { let encoding: String; let values: [Int64] }
        let request = Request(
            seed: 2_024, count: 3_000, lowest: lowest, highest: highest, significantFigures: significantFigures,
            percentiles: ReferenceStats.percentiles)
        let answer = try PythonReference.call("record", request, as: Answer.self)
        let reference = try PythonReference.call("record", request, as: ReferenceStats.self)
        let decoded = try Histogram(decodingV2Base64: answer.encoding)
        reference.expectMatches(decoded, "Python-recorded \(lowest)/\(highest)/\(significantFigures)")
        // Recording Python's raw values ourselves must land every one in the same bucket.
        var recorded = Histogram(
            lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantFigures: significantFigures)
        for value in answer.values { recorded.record(value) }
        #expect(recorded == decoded)
    }

    @Test("the uncompressed 0x1c849313 form decodes too")
    func uncompressedForm() throws {
        struct Request: Encodable { let encoding: String }
        let histogram = Self.variedHistogram(seed: 3)
        let raw = try PythonReference.call("uncompressed", Request(encoding: histogram.encodedV2Base64()), as: String.self)
        let bytes = [UInt8](try #require(Data(base64Encoded: raw)))
        #expect(Array(bytes.prefix(4)) == [0x1c, 0x84, 0x93, 0x13])
        #expect(try Histogram(decodingV2: bytes) == histogram)
    }

    @Test("encoding starts with the compressed cookie, its length and a zlib header")
    func framing() {
        let bytes = Self.variedHistogram(seed: 4).encodedV2()
        #expect(Array(bytes.prefix(4)) == [0x1c, 0x84, 0x93, 0x14])
        let length = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        #expect(length == bytes.count - 8)
        #expect(bytes[8] == 0x78)  // zlib CMF: deflate, 32 KiB window
    }

    @Test("the wire's stored form is one uncompressed final deflate block: the payload in clear, twice the bytes")
    func storedFraming() throws {
        let histogram = Self.variedHistogram(seed: 4)
        let stored = histogram.encodedV2(.stored), deflated = histogram.encodedV2()
        #expect(Array(stored.prefix(4)) == [0x1c, 0x84, 0x93, 0x14])
        #expect(stored[8] == 0x78 && stored[9] == 0x01)  // zlib header, level 0
        #expect(stored[10] == 0x01)  // BFINAL set, BTYPE 00 (stored)
        // LEN and its complement, little-endian, then the uncompressed payload's cookie.
        let blockLength = Int(stored[11]) | Int(stored[12]) << 8
        #expect(Int(stored[13]) | Int(stored[14]) << 8 == blockLength ^ 0xffff)
        #expect(Array(stored[15..<19]) == [0x1c, 0x84, 0x93, 0x13])
        #expect(stored.count == 8 + 2 + 5 + blockLength + 4)
        #expect(stored.count > deflated.count)
        #expect(try Histogram(decodingV2: stored) == histogram)
        #expect(Histogram.wireCompression == .stored)
    }

    @Test("round trips keep every count, in every layout and when empty")
    func roundTrip() throws {
        let histograms = [
            Self.variedHistogram(seed: 5), Histogram(),
            Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 60_000_000_000, significantFigures: 2),
        ]
        for histogram in histograms {
            #expect(try Histogram(decodingV2: histogram.encodedV2()) == histogram)
            #expect(try Histogram(decodingV2: histogram.encodedV2(.stored)) == histogram)
            #expect(try Histogram(decodingV2Base64: histogram.encodedV2Base64() + "\n") == histogram)
        }
        var huge = Histogram()
        huge.record(7, count: Int64.max / 2)  // counts needing all 9 varint bytes
        #expect(try Histogram(decodingV2: huge.encodedV2()) == huge)
    }

    @Test("add(decodingV2:) merges like decoding then adding, and leaves the target alone on error")
    func addDecoding() throws {
        var merged = Self.variedHistogram(seed: 6)
        var expected = merged
        let other = Self.variedHistogram(seed: 7)
        try merged.add(decodingV2: other.encodedV2())
        try expected.add(other)
        #expect(merged == expected)

        let before = merged
        let coarser = Histogram(significantFigures: 2)
        #expect(throws: HistogramError.layoutMismatch) { try merged.add(decodingV2: coarser.encodedV2()) }
        var truncated = other.encodedV2()
        truncated.removeLast(3)
        #expect(throws: HistogramError.self) { try merged.add(decodingV2: truncated) }
        // Counts that are fine until one lands past the end: the applied prefix must be undone.
        let badTail = Self.uncompressed(varints: Self.zigZag(5) + Self.zigZag(-100) + Self.zigZag(9) + Self.zigZag(-23_500) + Self.zigZag(1))
        #expect(throws: HistogramError.self) { try merged.add(decodingV2: badTail) }
        #expect(merged == before)
        #expect(merged.totalCount == before.totalCount)
        // The same prefix without the bad tail merges.
        try merged.add(decodingV2: Self.uncompressed(varints: Self.zigZag(5) + Self.zigZag(-100) + Self.zigZag(9)))
        #expect(merged.totalCount == before.totalCount + 14)
        #expect(merged.counts[0] == before.counts[0] + 5 && merged.counts[101] == before.counts[101] + 9)
    }

    @Test("every truncation of a valid encoding throws")
    func truncations() {
        let bytes = Self.variedHistogram(seed: 8, values: 300).encodedV2()
        for length in 0..<bytes.count {
            #expect(throws: HistogramError.self, "prefix of \(length) bytes") {
                try Histogram(decodingV2: Array(bytes.prefix(length)))
            }
        }
    }

    @Test("random bytes, corrupted bytes and bad Base64 throw instead of crashing")
    func malformedInput() {
        var generator = SeededGenerator(seed: 9)
        for length in 0..<200 {
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: HistogramError.self) { try Histogram(decodingV2: noise) }
            // A right cookie in front of noise must still be rejected cleanly.
            #expect(throws: HistogramError.self) { try Histogram(decodingV2: [0x1c, 0x84, 0x93, 0x14] + noise) }
        }
        // Flip each byte of a valid encoding: either a clean error or some valid histogram.
        let valid = Self.variedHistogram(seed: 10, values: 200).encodedV2()
        for position in valid.indices {
            var corrupted = valid
            corrupted[position] ^= 0x5a
            if let histogram = try? Histogram(decodingV2: corrupted) {
                #expect(histogram.totalCount == histogram.counts.reduce(0, +))
            }
        }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2Base64: "not base64 at all!") }
    }

    @Test("hostile uncompressed headers and varints are rejected with a reason")
    func hostileUncompressed() throws {
        // ZigZag: 2 -> 4 (one count of 2); -3 -> 5 (three zeros); 1 -> 2.
        let fine = try Histogram(decodingV2: Self.uncompressed(varints: [0x05, 0x04, 0x02]))
        #expect(fine.counts[3] == 2 && fine.counts[4] == 1 && fine.totalCount == 3)
        // A zero run of 2^62 can never fit the 23,552 counts.
        let longRun: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(varints: longRun)) }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(varints: [0x80])) }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(figures: 9, varints: [])) }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(lowest: 0, varints: [])) }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(lowest: -8, varints: [])) }
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(lowest: 10, highest: 15, varints: [])) }
        do {
            _ = try Histogram(decodingV2: Self.uncompressed(figures: 9, varints: []))
        } catch {
            #expect("\(error)".contains("significantFigures is 9"))
        }
        // 23,552 zeros then one count: one past the end.
        let past = Self.zigZag(-23_552) + Self.zigZag(1)
        #expect(throws: HistogramError.self) { try Histogram(decodingV2: Self.uncompressed(varints: past)) }
    }
}
