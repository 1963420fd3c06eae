/// An HdrHistogram of latencies in microseconds, in the standard bucket layout so that its counts
/// array is index-for-index the one HdrHistogram_c, Java and the Python `hdrhistogram` package use.
///
/// The default layout (1 µs to one hour, 3 significant figures) has 23,552 counts; the C load
/// engine records into an array of exactly that shape, and `init(counts:)` adopts it.
/// `totalCount` is kept up to date by every mutation so merging never rescans.
public struct Histogram: Sendable, Equatable {
    /// The smallest value distinguished from 0; values below `2^floor(log2(lowest))` share index 0.
    public let lowestDiscernibleValue: Int64
    /// The largest value the layout covers; `record` clamps larger values to it.
    public let highestTrackableValue: Int64
    /// Decimal digits of precision kept across the whole range (1 to 5).
    public let significantFigures: Int
    /// One count per bucket index, in the standard layout.
    public private(set) var counts: [Int64]
    /// The sum of `counts`.
    public private(set) var totalCount: Int64

    let layout: HistogramLayout

    /// Creates an empty histogram. Traps on parameters HdrHistogram itself rejects
    /// (lowest < 1, highest < 2 * lowest, significant figures outside 1...5).
    public init(
        lowestDiscernibleValue: Int64 = 1,
        highestTrackableValue: Int64 = 3_600_000_000,
        significantFigures: Int = 3
    ) {
        let layout: HistogramLayout
        do {
            layout = try HistogramLayout(
                lowest: lowestDiscernibleValue, highest: highestTrackableValue,
                significantFigures: significantFigures)
        } catch {
            preconditionFailure("Histogram(lowestDiscernibleValue:highestTrackableValue:significantFigures:): \(error)")
        }
        self.init(
            layout: layout, lowest: lowestDiscernibleValue, highest: highestTrackableValue,
            significantFigures: significantFigures, counts: [Int64](repeating: 0, count: layout.countsLength),
            totalCount: 0)
    }

    /// Adopts a counts array in this layout (e.g. from the C engine); throws if the length differs
    /// from `countsLength` or a count is negative.
    public init(
        counts: [Int64],
        lowestDiscernibleValue: Int64 = 1,
        highestTrackableValue: Int64 = 3_600_000_000,
        significantFigures: Int = 3
    ) throws {
        let layout = try HistogramLayout(
            lowest: lowestDiscernibleValue, highest: highestTrackableValue, significantFigures: significantFigures)
        guard counts.count == layout.countsLength else {
            throw HistogramError.countsLengthMismatch(expected: layout.countsLength, actual: counts.count)
        }
        var total: Int64 = 0
        var anyNegative = false
        counts.withUnsafeBufferPointer { buffer in
            for count in buffer {
                total &+= count
                anyNegative = anyNegative || count < 0
            }
        }
        if anyNegative, let index = counts.firstIndex(where: { $0 < 0 }) {
            throw HistogramError.negativeCount(index: index, count: counts[index])
        }
        self.init(
            layout: layout, lowest: lowestDiscernibleValue, highest: highestTrackableValue,
            significantFigures: significantFigures, counts: counts, totalCount: total)
    }

    init(
        layout: HistogramLayout, lowest: Int64, highest: Int64, significantFigures: Int,
        counts: [Int64], totalCount: Int64
    ) {
        self.layout = layout
        self.lowestDiscernibleValue = lowest
        self.highestTrackableValue = highest
        self.significantFigures = significantFigures
        self.counts = counts
        self.totalCount = totalCount
    }

    /// The number of counts in this layout: `(bucketCount + 1) * subBucketCount / 2`.
    public var countsLength: Int { layout.countsLength }

    /// True when nothing has been recorded.
    public var isEmpty: Bool { totalCount == 0 }

    /// The counts index of `value` after clamping it to `0...highestTrackableValue`, as `record` does.
    public func index(of value: Int64) -> Int {
        layout.countsIndex(of: min(max(value, 0), highestTrackableValue))
    }

    /// The lowest value that lands on `index` (`0 <= index < countsLength`).
    public func value(atIndex index: Int) -> Int64 {
        precondition(index >= 0 && index < countsLength, "index \(index) is outside 0..<\(countsLength)")
        return layout.value(atIndex: index)
    }

    /// The lowest value counted in the same bucket as `value`.
    public func lowestEquivalentValue(of value: Int64) -> Int64 {
        layout.lowestEquivalentValue(min(max(value, 0), highestTrackableValue))
    }

    /// The highest value counted in the same bucket as `value`.
    public func highestEquivalentValue(of value: Int64) -> Int64 {
        layout.highestEquivalentValue(min(max(value, 0), highestTrackableValue))
    }

    /// Records `count` occurrences of `value`, clamped to `0...highestTrackableValue` so a stray
    /// negative or hour-long latency is still counted rather than dropped.
    public mutating func record(_ value: Int64, count: Int64 = 1) {
        precondition(count >= 0, "Histogram.record: count \(count) is negative")
        counts[index(of: value)] &+= count
        totalCount &+= count
    }

    /// Lets the codec add decoded counts in place; `body` returns the sum it added.
    mutating func addCountsInPlace(_ body: (UnsafeMutableBufferPointer<Int64>) throws -> Int64) rethrows {
        let added = try counts.withUnsafeMutableBufferPointer { try body($0) }
        totalCount &+= added
    }

    /// Adds every count of `other` (a lossless merge). Throws `layoutMismatch` unless both have
    /// the same bucket layout.
    public mutating func add(_ other: Histogram) throws {
        guard layout == other.layout else { throw HistogramError.layoutMismatch }
        let length = layout.countsLength
        counts.withUnsafeMutableBufferPointer { destination in
            other.counts.withUnsafeBufferPointer { source in
                for index in 0..<length {
                    destination[index] &+= source[index]
                }
            }
        }
        totalCount &+= other.totalCount
    }

    /// The interval histogram between two snapshots of one cumulative histogram: `self - earlier`.
    /// Throws `layoutMismatch` for different layouts and `negativeCount` when some count of
    /// `earlier` exceeds this one's (so `earlier` was not an earlier snapshot).
    public func subtracting(_ earlier: Histogram) throws -> Histogram {
        guard layout == earlier.layout else { throw HistogramError.layoutMismatch }
        var result = self
        var anyNegative = false
        result.counts.withUnsafeMutableBufferPointer { destination in
            earlier.counts.withUnsafeBufferPointer { source in
                for index in 0..<destination.count {
                    let difference = destination[index] &- source[index]
                    destination[index] = difference
                    anyNegative = anyNegative || difference < 0
                }
            }
        }
        if anyNegative, let index = result.counts.firstIndex(where: { $0 < 0 }) {
            throw HistogramError.negativeCount(index: index, count: result.counts[index])
        }
        result.totalCount = totalCount &- earlier.totalCount
        return result
    }
}
