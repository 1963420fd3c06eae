import Foundation
import Testing

@testable import Proto

@Suite("Histogram layout, recording and statistics")
struct HistogramTests {
    @Test("the default layout has the 23,552 counts the C engine records into")
    func defaultLayout() {
        let histogram = Histogram()
        #expect(histogram.countsLength == 23_552)
        #expect(histogram.counts.count == 23_552)
        #expect(histogram.layout.subBucketCount == 2_048)
        #expect(histogram.layout.bucketCount == 22)
        #expect(histogram.isEmpty)
    }

    @Test("index math at bucket boundaries follows the HdrHistogram formulas")
    func indexAtBoundaries() {
        let histogram = Histogram()
        // Bucket 0 holds 0..<2048 at unit resolution; bucket k >= 1 adds 1024 indexes of width 2^k.
        let expected: [(Int64, Int)] = [
            (0, 0), (1, 1), (1_023, 1_023), (1_024, 1_024), (2_047, 2_047),
            (2_048, 2_048), (2_049, 2_048), (2_050, 2_049), (4_095, 3_071),
            (4_096, 3_072), (4_099, 3_072), (4_100, 3_073), (8_192, 4_096),
        ]
        for (value, index) in expected {
            #expect(histogram.index(of: value) == index, "index of \(value)")
        }
        #expect(histogram.lowestEquivalentValue(of: 2_049) == 2_048)
        #expect(histogram.highestEquivalentValue(of: 2_048) == 2_049)
        #expect(histogram.highestEquivalentValue(of: 4_097) == 4_099)
        #expect(histogram.value(atIndex: 3_073) == 4_100)
    }

    @Test("value(atIndex:) and index(of:) invert each other over the trackable range")
    func indexRoundTrip() {
        let histogram = Histogram()
        let top = histogram.index(of: histogram.highestTrackableValue)
        #expect(top < histogram.countsLength)
        for index in 0...top {
            let value = histogram.value(atIndex: index)
            #expect(histogram.index(of: value) == index)
            #expect(histogram.index(of: histogram.highestEquivalentValue(of: value)) == index)
        }
    }

    @Test("layouts and indexes match the Python package for several parameter sets")
    func layoutsMatchPython() throws {
        struct Request: Encodable { let layouts: [[Int64]]; let values: [Int64] }
        struct Answer: Decodable { let countsLength: Int; let bucketCount: Int; let subBucketCount: Int; let indexes: [Int] }
        let layouts: [[Int64]] = [
            [1, 3_600_000_000, 3], [1, 3_600_000_000, 1], [1, 3_600_000_000, 2], [1, 3_600_000_000, 4],
            [1_000, 60_000_000_000, 3], [2, 1_000, 2], [1, 2, 1], [1, Int64.max, 3], [1_024, 3_600_000_000, 3],
        ]
        var values: [Int64] = [0, 1, 2, 3, 999, 1_000, 1_001]
        for shift in 1..<63 {
            values += [(Int64(1) << shift) - 1, Int64(1) << shift, (Int64(1) << shift) + 1]
        }
        var generator = SeededGenerator(seed: 7)
        values += (0..<500).map { _ in generator.latency(upTo: 3.6e9) }
        let answers = try PythonReference.call("layout", Request(layouts: layouts, values: values), as: [Answer].self)
        for (parameters, answer) in zip(layouts, answers) {
            let histogram = Histogram(
                lowestDiscernibleValue: parameters[0], highestTrackableValue: parameters[1],
                significantFigures: Int(parameters[2]))
            #expect(histogram.countsLength == answer.countsLength, "countsLength for \(parameters)")
            #expect(histogram.layout.bucketCount == answer.bucketCount, "bucketCount for \(parameters)")
            #expect(histogram.layout.subBucketCount == answer.subBucketCount, "subBucketCount for \(parameters)")
            let ours = values.filter { $0 <= parameters[1] }.map { histogram.index(of: $0) }
            #expect(ours == answer.indexes, "indexes for \(parameters)")
        }
    }

    @Test("percentiles, min, max, mean and deviation of 1...1000 (all at unit resolution)")
    func statisticsOfKnownData() {
        var histogram = Histogram()
        for value in Int64(1)...1_000 { histogram.record(value) }
        #expect(histogram.totalCount == 1_000)
        #expect(histogram.value(atPercentile: 0) == 1)
        #expect(histogram.value(atPercentile: 50) == 500)
        #expect(histogram.value(atPercentile: 99) == 990)
        #expect(histogram.value(atPercentile: 100) == 1_000)
        #expect(histogram.value(atPercentile: 250) == 1_000)
        #expect(histogram.minValue == 1)
        #expect(histogram.maxValue == 1_000)
        #expect(histogram.mean == 500.5)
        // Population standard deviation of 1...n is sqrt((n^2 - 1) / 12).
        #expect(abs(histogram.standardDeviation - (999_999.0 / 12).squareRoot()) < 1e-9)
    }

    @Test("a value in a coarse bucket reports its bucket's lowest, highest and middle")
    func coarseBucketStatistics() {
        var histogram = Histogram()
        histogram.record(1_000_000, count: 4)
        // 1,000,000 lies in bucket 9 (524,288..<1,048,576) whose sub-buckets are 512 wide.
        #expect(histogram.minValue == 999_936)
        #expect(histogram.maxValue == 999_936 + 511)
        #expect(histogram.value(atPercentile: 50) == 999_936 + 511)
        #expect(histogram.value(atPercentile: 0) == 999_936)
        #expect(histogram.mean == 999_936 + 256)
        #expect(histogram.standardDeviation == 0)
        #expect(histogram.totalCount == 4)
    }

    @Test("an empty histogram reports zeros")
    func emptyStatistics() {
        let histogram = Histogram()
        #expect(histogram.value(atPercentile: 99) == 0)
        #expect(histogram.minValue == 0)
        #expect(histogram.maxValue == 0)
        #expect(histogram.mean == 0)
        #expect(histogram.standardDeviation == 0)
    }

    @Test("record clamps negative values to 0 and huge ones to the highest trackable value")
    func clamping() {
        var histogram = Histogram()
        histogram.record(-5)
        histogram.record(1_000_000_000_000, count: 2)
        histogram.record(Int64.max)
        #expect(histogram.totalCount == 4)
        #expect(histogram.counts[0] == 1)
        #expect(histogram.counts[histogram.index(of: 3_600_000_000)] == 3)
        #expect(histogram.maxValue == histogram.highestEquivalentValue(of: 3_600_000_000))
        #expect(histogram.maxValue >= 3_600_000_000)
        #expect(histogram.minValue == 0)
    }

    @Test("add merges losslessly and subtracting recovers the interval")
    func addAndSubtract() throws {
        var generator = SeededGenerator(seed: 42)
        var first = Histogram()
        var second = Histogram()
        var both = Histogram()
        for _ in 0..<3_000 {
            let value = generator.latency()
            first.record(value)
            both.record(value)
        }
        for _ in 0..<2_000 {
            let value = generator.latency()
            second.record(value, count: 3)
            both.record(value, count: 3)
        }
        var merged = first
        try merged.add(second)
        #expect(merged == both)
        #expect(merged.totalCount == 9_000)
        #expect(merged.totalCount == merged.counts.reduce(0, +))
        let interval = try merged.subtracting(first)
        #expect(interval == second)
        #expect(try merged.subtracting(merged).isEmpty)
    }

    @Test("subtracting a later snapshot throws negativeCount naming the index")
    func subtractNegative() {
        var earlier = Histogram()
        earlier.record(5)
        var later = earlier
        later.record(2_000)
        #expect(throws: HistogramError.negativeCount(index: 2_000, count: -1)) {
            try earlier.subtracting(later)
        }
    }

    @Test("merging or subtracting different layouts throws layoutMismatch")
    func layoutMismatch() {
        var ours = Histogram()
        let coarser = Histogram(significantFigures: 2)
        let shorter = Histogram(highestTrackableValue: 60_000_000)
        #expect(throws: HistogramError.layoutMismatch) { try ours.add(coarser) }
        #expect(throws: HistogramError.layoutMismatch) { try ours.add(shorter) }
        #expect(throws: HistogramError.layoutMismatch) { try ours.subtracting(coarser) }
        #expect(ours.isEmpty)
    }

    @Test("adopting a counts array checks its length and signs and totals it")
    func adoptCounts() throws {
        var counts = [Int64](repeating: 0, count: 23_552)
        counts[10] = 7
        counts[20_000] = 2
        let adopted = try Histogram(counts: counts)
        #expect(adopted.totalCount == 9)
        var recorded = Histogram()
        recorded.record(10, count: 7)
        recorded.record(recorded.value(atIndex: 20_000), count: 2)
        #expect(adopted == recorded)
        #expect(throws: HistogramError.countsLengthMismatch(expected: 23_552, actual: 100)) {
            try Histogram(counts: [Int64](repeating: 0, count: 100))
        }
        counts[3] = -1
        #expect(throws: HistogramError.negativeCount(index: 3, count: -1)) { try Histogram(counts: counts) }
    }

    @Test("errors explain themselves")
    func errorDescriptions() {
        #expect(HistogramError.layoutMismatch.description.contains("same parameters"))
        #expect(HistogramError.countsLengthMismatch(expected: 23_552, actual: 5).description.contains("23552"))
        #expect(HistogramError.zlib(operation: "inflate", code: -3).description.contains("Z_DATA_ERROR"))
    }
}
