/// The bucket layout shared by HdrHistogram_c, the Java HdrHistogram and the Python `hdrhistogram`
/// package: the counts index of a value, and the value range each index stands for.
///
/// The integer math below mirrors `hdr_histogram.c` line by line, because the C engine records
/// into an array laid out by it and every consumer must agree on what index `i` means.
struct HistogramLayout: Sendable, Equatable {
    /// `floor(log2(lowestDiscernibleValue))`: values below `1 << unitMagnitude` share index 0.
    let unitMagnitude: Int
    /// `log2(subBucketCount) - 1`.
    let subBucketHalfCountMagnitude: Int
    /// Sub-buckets per bucket: `2^ceil(log2(2 * 10^significantFigures))`.
    let subBucketCount: Int
    /// Half of `subBucketCount`; every bucket after the first adds this many indexes.
    let subBucketHalfCount: Int
    /// `(subBucketCount - 1) << unitMagnitude`, or-ed in so values in bucket 0 find it.
    let subBucketMask: Int64
    /// Buckets needed to cover `highestTrackableValue`.
    let bucketCount: Int
    /// `(bucketCount + 1) * subBucketHalfCount`.
    let countsLength: Int

    /// The most counts a layout may ask for; bounds what a decoded header can make us allocate
    /// (5 significant figures over an hour in microseconds needs about 2.1 million).
    static let maximumCountsLength = 1 << 22

    /// Derives the layout, rejecting the parameters HdrHistogram_c's `hdr_init` rejects with EINVAL.
    init(lowest: Int64, highest: Int64, significantFigures: Int) throws {
        guard lowest >= 1 else {
            throw HistogramError.invalidParameters("lowestDiscernibleValue is \(lowest); it must be at least 1")
        }
        guard (1...5).contains(significantFigures) else {
            throw HistogramError.invalidParameters(
                "significantFigures is \(significantFigures); it must be between 1 and 5")
        }
        guard lowest <= Int64.max / 2, highest >= 2 * lowest else {
            throw HistogramError.invalidParameters(
                "highestTrackableValue \(highest) must be at least twice lowestDiscernibleValue \(lowest)")
        }
        unitMagnitude = 63 - lowest.leadingZeroBitCount
        // 2 * 10^n is never a power of two, so the bit width of (x - 1) is ceil(log2(x)).
        var largestValueWithSingleUnitResolution: Int64 = 2
        for _ in 0..<significantFigures { largestValueWithSingleUnitResolution *= 10 }
        let subBucketCountMagnitude = 64 - (largestValueWithSingleUnitResolution - 1).leadingZeroBitCount
        subBucketHalfCountMagnitude = max(subBucketCountMagnitude, 1) - 1
        guard unitMagnitude + subBucketHalfCountMagnitude <= 61 else {
            throw HistogramError.invalidParameters(
                "lowestDiscernibleValue \(lowest) is too large for \(significantFigures) significant figures")
        }
        subBucketCount = 1 << (subBucketHalfCountMagnitude + 1)
        subBucketHalfCount = subBucketCount / 2
        subBucketMask = Int64(subBucketCount - 1) << unitMagnitude
        bucketCount = Self.bucketsNeeded(toCover: highest, subBucketCount: subBucketCount, unitMagnitude: unitMagnitude)
        countsLength = (bucketCount + 1) * subBucketHalfCount
        guard countsLength <= Self.maximumCountsLength else {
            throw HistogramError.invalidParameters(
                "the layout needs \(countsLength) counts, more than the \(Self.maximumCountsLength) supported")
        }
    }

    /// `buckets_needed_to_cover_value` from HdrHistogram_c.
    private static func bucketsNeeded(toCover value: Int64, subBucketCount: Int, unitMagnitude: Int) -> Int {
        var smallestUntrackableValue = Int64(subBucketCount) << unitMagnitude
        var bucketsNeeded = 1
        while smallestUntrackableValue <= value {
            if smallestUntrackableValue > Int64.max / 2 { return bucketsNeeded + 1 }
            smallestUntrackableValue <<= 1
            bucketsNeeded += 1
        }
        return bucketsNeeded
    }

    @inline(__always)
    func bucketIndex(of value: Int64) -> Int {
        let pow2Ceiling = 64 - (value | subBucketMask).leadingZeroBitCount
        return pow2Ceiling - unitMagnitude - (subBucketHalfCountMagnitude + 1)
    }

    @inline(__always)
    func subBucketIndex(of value: Int64, bucketIndex: Int) -> Int {
        Int(truncatingIfNeeded: value >> Int64(bucketIndex + unitMagnitude))
    }

    /// The counts index of a non-negative value.
    @inline(__always)
    func countsIndex(of value: Int64) -> Int {
        let bucket = bucketIndex(of: value)
        let subBucket = subBucketIndex(of: value, bucketIndex: bucket)
        return ((bucket + 1) << subBucketHalfCountMagnitude) + subBucket - subBucketHalfCount
    }

    /// The lowest value that lands on `index`.
    @inline(__always)
    func value(atIndex index: Int) -> Int64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return Int64(subBucket) << Int64(bucket + unitMagnitude)
    }

    /// The lowest value that shares `value`'s index.
    func lowestEquivalentValue(_ value: Int64) -> Int64 {
        let bucket = bucketIndex(of: value)
        return Int64(subBucketIndex(of: value, bucketIndex: bucket)) << Int64(bucket + unitMagnitude)
    }

    /// The width of the value range that shares `value`'s index.
    func sizeOfEquivalentRange(_ value: Int64) -> Int64 {
        let bucket = bucketIndex(of: value)
        let subBucket = subBucketIndex(of: value, bucketIndex: bucket)
        // A value exactly at the top of a bucket belongs to the next, wider one (as in hdr_histogram.c).
        let adjustedBucket = subBucket >= subBucketCount ? bucket + 1 : bucket
        return 1 << Int64(unitMagnitude + adjustedBucket)
    }

    /// The highest value that shares `value`'s index; written so the top of the last bucket
    /// cannot overflow.
    func highestEquivalentValue(_ value: Int64) -> Int64 {
        lowestEquivalentValue(value) + (sizeOfEquivalentRange(value) - 1)
    }

    /// The middle of `value`'s range, which the mean and standard deviation use.
    func medianEquivalentValue(_ value: Int64) -> Int64 {
        lowestEquivalentValue(value) + (sizeOfEquivalentRange(value) >> 1)
    }
}
