import Foundation
import Testing

@testable import Proto

/// What the Python package reports about one histogram (see `PythonReference.script`).
struct ReferenceStats: Decodable {
    let total: Int64
    let min: Int64
    let max: Int64
    let mean: Double
    let stddev: Double
    let percentiles: [Int64]
    /// Non-zero counts as [index, count] pairs.
    let counts: [[Int64]]
    let lowest: Int64
    let highest: Int64
    let significantFigures: Int

    /// The percentiles every cross-check asks both implementations for.
    static let percentiles: [Double] = [0, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100]

    /// Expects `histogram` to agree with this reference exactly (the mean and deviation to the
    /// last few bits, allowing for JSON's decimal round trip).
    func expectMatches(_ histogram: Histogram, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(histogram.totalCount == total, "\(label): total count", sourceLocation: sourceLocation)
        #expect(histogram.minValue == min, "\(label): min", sourceLocation: sourceLocation)
        #expect(histogram.maxValue == max, "\(label): max", sourceLocation: sourceLocation)
        let ours = Self.percentiles.map { histogram.value(atPercentile: $0) }
        #expect(ours == percentiles, "\(label): percentiles \(Self.percentiles)", sourceLocation: sourceLocation)
        #expect(abs(histogram.mean - mean) <= 1e-12 * Swift.max(1, abs(mean)), "\(label): mean \(histogram.mean) vs \(mean)",
            sourceLocation: sourceLocation)
        #expect(abs(histogram.standardDeviation - stddev) <= 1e-9 * Swift.max(1, stddev),
            "\(label): stddev \(histogram.standardDeviation) vs \(stddev)", sourceLocation: sourceLocation)
        #expect(histogram.lowestDiscernibleValue == lowest, "\(label): lowest", sourceLocation: sourceLocation)
        #expect(histogram.highestTrackableValue == highest, "\(label): highest", sourceLocation: sourceLocation)
        #expect(histogram.significantFigures == significantFigures, "\(label): significant figures",
            sourceLocation: sourceLocation)
        let ourCounts = histogram.counts.enumerated().filter { $0.element != 0 }.map { [Int64($0.offset), $0.element] }
        #expect(ourCounts == counts, "\(label): non-zero counts", sourceLocation: sourceLocation)
    }
}

/// SplitMix64: a tiny seeded generator so every run draws the same "random" latencies.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A latency between 1 µs and `upper`, log-uniform so every bucket magnitude gets hits.
    mutating func latency(upTo upper: Double = 3e8) -> Int64 {
        Int64(exp(Double.random(in: 0..<log(upper), using: &self)))
    }
}
