#if canImport(Glibc)
import Glibc
#endif
import Proto
import Synchronization

/// The latencies a swarm member reports: a few interval histograms drawn once from a
/// log-normal spread (median about 800 µs, a tail to tens of milliseconds), each holding
/// `samples` values, encoded as agents send them. A member's interval takes one of them in
/// turn, so the controller decodes and merges exactly what real agents would send; only the
/// values are invented.
public struct SwarmSamples: Sendable {
    /// One interval's histograms, encoded.
    public struct Variant: Sendable {
        /// The latency histogram (stored zlib blocks, as `Histogram.wireCompression`).
        public let latency: [UInt8]
        /// Its largest value, µs.
        public let latencyMax: Int64
        /// A send-lag histogram of as many values, for rate-limited stages.
        public let lag: [UInt8]
        /// Its largest value, µs.
        public let lagMax: Int64
        /// The latency histogram's non-zero buckets, to build a stage histogram without decoding.
        let buckets: [(index: Int, count: Int64)]
    }

    /// Values per interval histogram.
    public let samples: Int
    /// The variants, used round-robin.
    public let variants: [Variant]
    /// The bucket count of the layout, for stage histograms.
    let countsLength: Int
    /// Stage histograms already built, by `uses`: members take the variants in turn, so a
    /// whole swarm's final reports share a handful of them, and 2,000 members ending a stage
    /// at once must not stall the process (its other members' heartbeats would be late).
    private let stages = StageCache()

    private final class StageCache: Sendable {
        let built = Mutex<[[Int]: (encoded: [UInt8], max: Int64)]>([:])
    }

    /// `count` variants of `samples` values each (samples ≥ 1).
    public init(samples: Int, count: Int = 8) {
        self.samples = samples
        var random = SplitMix(seed: 0x6b62_7377_6172_6d00)
        var made: [Variant] = []
        var length = 0
        for _ in 0..<count {
            var latency = Histogram()
            var lag = Histogram()
            for _ in 0..<samples {
                latency.record(Int64(exp(6.7 + 0.9 * random.normal())).clamped(1, 3_600_000_000))
                lag.record(Int64(exp(3.0 + 1.2 * random.normal())).clamped(1, 3_600_000_000))
            }
            var buckets: [(Int, Int64)] = []
            for (index, value) in latency.counts.enumerated() where value != 0 { buckets.append((index, value)) }
            length = latency.countsLength
            made.append(Variant(
                latency: latency.encodedV2(Histogram.wireCompression), latencyMax: latency.maxValue,
                lag: lag.encodedV2(Histogram.wireCompression), lagMax: lag.maxValue, buckets: buckets))
        }
        variants = made
        countsLength = length
    }

    /// `stageHistogram(uses:)` encoded as agents send it, and its largest value.
    public func encodedStageHistogram(uses: [Int]) -> (encoded: [UInt8], max: Int64) {
        if let built = stages.built.withLock({ $0[uses] }) { return built }
        let histogram = stageHistogram(uses: uses)
        let built = (histogram.encodedV2(Histogram.wireCompression), histogram.maxValue)
        stages.built.withLock { $0[uses] = built }
        return built
    }

    /// The whole stage's latency histogram of a member that reported variant `k` `uses[k]` times.
    public func stageHistogram(uses: [Int]) -> Histogram {
        var counts = [Int64](repeating: 0, count: countsLength)
        for (variant, times) in zip(variants, uses) where times > 0 {
            for bucket in variant.buckets { counts[bucket.index] += bucket.count * Int64(times) }
        }
        // The counts come from histograms of this very layout, so they always fit it.
        return (try? Histogram(counts: counts)) ?? Histogram()
    }
}

/// SplitMix64: a small deterministic generator, so every swarm reports the same values.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double { sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform()) }
}

extension Int64 {
    fileprivate func clamped(_ low: Int64, _ high: Int64) -> Int64 { Swift.min(Swift.max(self, low), high) }
}
