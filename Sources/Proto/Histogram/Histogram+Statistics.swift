extension Histogram: CustomStringConvertible {
    /// A one-line summary (layout, count, min, p50, p99, max) instead of 23,552 counts.
    public var description: String {
        "Histogram(\(lowestDiscernibleValue)...\(highestTrackableValue) µs, \(significantFigures) figures, "
            + "count \(totalCount), min \(minValue), p50 \(value(atPercentile: 50)), "
            + "p99 \(value(atPercentile: 99)), max \(maxValue))"
    }

    /// The value at `percentile` (0...100), with the rounding of the Python `hdrhistogram`
    /// package's `get_value_at_percentile`: the target count is `int(p * total / 100 + 0.5)` (at
    /// least 1), and the answer is the highest value equivalent to the first index whose
    /// cumulative count reaches it (the lowest one for percentile 0). Returns 0 when empty.
    /// Percentiles outside 0...100 are clamped; NaN counts as 0.
    public func value(atPercentile percentile: Double) -> Int64 {
        guard totalCount > 0 else { return 0 }
        let requested = percentile.isNaN ? 0 : min(max(percentile, 0), 100)
        // Same operation order as Python so the float rounding matches bit for bit.
        let raw = requested * Double(totalCount) / 100 + 0.5
        let target = raw >= Double(totalCount) ? totalCount : max(Int64(raw), 1)
        let index = counts.withUnsafeBufferPointer { buffer -> Int? in
            var cumulative: Int64 = 0
            for index in 0..<buffer.count {
                cumulative &+= buffer[index]
                if cumulative >= target { return index }
            }
            return nil
        }
        guard let index else { return 0 }
        let value = layout.value(atIndex: index)
        return requested == 0 ? value : layout.highestEquivalentValue(value)
    }

    /// The lowest value equivalent to the smallest recorded value (0 when empty), as the Python
    /// package's `get_min_value`.
    public var minValue: Int64 {
        guard let index = firstNonZeroIndex else { return 0 }
        return layout.value(atIndex: index)
    }

    /// The highest value equivalent to the largest recorded value (0 when empty), as the Python
    /// package's `get_max_value`.
    public var maxValue: Int64 {
        guard let index = lastNonZeroIndex else { return 0 }
        return layout.highestEquivalentValue(layout.value(atIndex: index))
    }

    /// The mean, counting each bucket at its middle value as HdrHistogram does; 0 when empty.
    public var mean: Double {
        guard totalCount > 0 else { return 0 }
        // Exact integer sum when it fits, so the result equals Python's float(int_sum) / count.
        var exactSum: Int64 = 0
        var overflowed = false
        var approximateSum = 0.0
        forEachNonZero { index, count in
            let median = layout.medianEquivalentValue(layout.value(atIndex: index))
            approximateSum += Double(count) * Double(median)
            if !overflowed {
                let (product, productOverflow) = count.multipliedReportingOverflow(by: median)
                let (sum, sumOverflow) = exactSum.addingReportingOverflow(product)
                overflowed = productOverflow || sumOverflow
                exactSum = sum
            }
        }
        return (overflowed ? approximateSum : Double(exactSum)) / Double(totalCount)
    }

    /// The population standard deviation over bucket middles, accumulated in the Python package's
    /// order; 0 when empty.
    public var standardDeviation: Double {
        guard totalCount > 0 else { return 0 }
        let mean = self.mean
        var total = 0.0
        forEachNonZero { index, count in
            let deviation = Double(layout.medianEquivalentValue(layout.value(atIndex: index))) - mean
            total += (deviation * deviation) * Double(count)
        }
        return (total / Double(totalCount)).squareRoot()
    }

    /// The first index with a non-zero count, or nil when empty.
    var firstNonZeroIndex: Int? {
        counts.withUnsafeBufferPointer { buffer in buffer.firstIndex { $0 != 0 } }
    }

    /// The last index with a non-zero count, or nil when empty.
    var lastNonZeroIndex: Int? {
        counts.withUnsafeBufferPointer { buffer in buffer.lastIndex { $0 != 0 } }
    }

    private func forEachNonZero(_ body: (Int, Int64) -> Void) {
        counts.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where buffer[index] != 0 {
                body(index, buffer[index])
            }
        }
    }
}
