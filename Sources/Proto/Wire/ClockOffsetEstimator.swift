/// Keeps the best of several `ClockOffset` samples: the one with the smallest round trip, whose
/// offset error (at most half the round trip) is the smallest. A sample delayed by a queue in
/// one direction only is skewed by that delay, which is why averaging would be worse than picking.
///
/// Agents repeat Hello until welcomed and may re-measure later; feed every Welcome in.
public struct ClockOffsetEstimator: Sendable, Equatable {
    /// The sample with the smallest round trip so far; nil before the first valid one.
    public private(set) var best: ClockOffset?
    /// Valid samples seen.
    public private(set) var sampleCount = 0

    /// An estimator without samples.
    public init() {}

    /// Considers `sample`.
    ///
    /// - Returns: Whether it became the best (its round trip is strictly smaller), so callers can
    ///   log a changed offset.
    @discardableResult
    public mutating func add(_ sample: ClockOffset) -> Bool {
        sampleCount += 1
        if let best, best.roundTripNanoseconds <= sample.roundTripNanoseconds {
            return false
        }
        best = sample
        return true
    }

    /// The best offset (controller minus agent, ns); 0 before any sample, i.e. trust the clocks.
    public var offsetNanoseconds: Int64 {
        best?.offsetNanoseconds ?? 0
    }

    /// The largest error of `offsetNanoseconds` (half the best round trip), in ns; nil before any
    /// sample, when the error is unknown.
    public var uncertaintyNanoseconds: Int64? {
        best.map { $0.roundTripNanoseconds / 2 }
    }
}
