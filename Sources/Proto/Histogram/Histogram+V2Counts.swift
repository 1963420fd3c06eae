/// The merge path's counts pass: ZigZag LEB128 varints added straight into a counts array with
/// unsafe pointers, one byte per step while bytes are single-byte varints (every count below 64
/// and every run of up to 64 zeros, so nearly all of an interval report).
///
/// Accepts and rejects exactly what `Histogram+V2Decoding`'s `decodeCounts` does; the tests hold
/// the two together.
extension Histogram {
    /// Adds `varints` to `counts` and returns their sum. If they turn out malformed, subtracts
    /// again what was added before throwing, so `counts` is left exactly as it was.
    static func addVarints(_ varints: UnsafeRawBufferPointer, to counts: UnsafeMutableBufferPointer<Int64>) throws -> Int64 {
        let result = applyVarints(varints, to: counts, end: varints.count, subtract: false)
        if let failure = result.failure {
            _ = applyVarints(varints, to: counts, end: failure.offset, subtract: true)
            throw failure.error
        }
        return result.total
    }

    /// Adds (or subtracts) the counts in `varints[..<end]`; stops at the first varint that is
    /// truncated or does not fit and reports the offset up to which counts were applied.
    @inline(__always)
    private static func applyVarints(
        _ varints: UnsafeRawBufferPointer, to counts: UnsafeMutableBufferPointer<Int64>, end: Int, subtract: Bool
    ) -> (total: Int64, failure: (offset: Int, error: HistogramError)?) {
        guard end > 0, let bytes = varints.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let slots = counts.baseAddress
        else { return (0, nil) }
        let countsLength = counts.count
        // A single-byte varint moves the index by at most 64, so below this no step needs a
        // bounds check, and below `uncheckedWord` no step of eight.
        let unchecked = countsLength - 64
        let uncheckedWord = countsLength - 8 * 64
        var position = 0
        var index = 0
        // Single-byte counts are below 64 each, so their sum cannot overflow; larger ones are
        // summed apart with overflow checks, and the two are added once at the end.
        var smallTotal: Int64 = 0
        var largeTotal: Int64 = 0
        // ZigZag of one byte: even 2c is the count c, odd 2n - 1 is a run of n zeros. Branch-free,
        // because counts and runs alternate without a pattern a predictor could learn.
        @inline(__always) func step(_ byte: Int) {
            let isRun = byte & 1
            let half = byte >> 1
            let count = Int64(half & (isRun &- 1))
            slots[index] &+= subtract ? 0 &- count : count
            smallTotal &+= count
            index &+= 1 &+ (half & (0 &- isRun))
        }
        while position < end {
            if end &- position >= 8 && index <= uncheckedWord {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self))
                if word & 0x8080_8080_8080_8080 == 0 {
                    for shift in stride(from: 0 as UInt64, to: 64, by: 8) { step(Int(truncatingIfNeeded: (word &>> shift) & 0x7f)) }
                    position &+= 8
                    continue
                }
            }
            let byte = bytes[position]
            if byte < 0x80 && index <= unchecked {
                step(Int(byte))
                position &+= 1
                continue
            }
            let start = position
            guard let bits = readVarint(bytes, end: end, position: &position) else {
                return (smallTotal &+ largeTotal, (start, .malformedEncoding("counts varint at payload byte \(start) is truncated")))
            }
            let value = Int64(bitPattern: (bits >> 1) ^ (0 &- (bits & 1)))
            if value < 0 {
                guard value != .min, -value <= Int64(countsLength - index) else {
                    let run = value == .min ? "2^63" : String(-value)
                    return (smallTotal &+ largeTotal, (start, .malformedEncoding(
                        "a run of \(run) zeros at index \(index) passes the \(countsLength) counts of the layout")))
                }
                index += Int(-value)
            } else {
                guard index < countsLength else {
                    return (smallTotal &+ largeTotal, (start, .malformedEncoding(
                        "count at index \(index) is past the \(countsLength) counts of the layout")))
                }
                let (sum, overflow) = largeTotal.addingReportingOverflow(value)
                guard !overflow else {
                    return (smallTotal &+ largeTotal, (start, .malformedEncoding("counts sum past Int64.max at index \(index)")))
                }
                largeTotal = sum
                slots[index] &+= subtract ? 0 &- value : value
                index += 1
            }
        }
        // Every count is non-negative, so the sum overflows here exactly when a running sum
        // (what `decodeCounts` checks) would have.
        let (total, overflow) = largeTotal.addingReportingOverflow(smallTotal)
        guard !overflow else {
            return (0, (end, .malformedEncoding("counts sum past Int64.max at index \(index)")))
        }
        return (total, nil)
    }

    /// One LEB128 varint of up to 9 bytes (the 9th carrying 8 bits) from `bytes[position..<end]`;
    /// nil when `end` comes first.
    @inline(__always)
    private static func readVarint(_ bytes: UnsafePointer<UInt8>, end: Int, position: inout Int) -> UInt64? {
        var bits: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 56 {
            guard position < end else { return nil }
            let byte = bytes[position]
            position &+= 1
            bits |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return bits }
            shift &+= 7
        }
        guard position < end else { return nil }
        bits |= UInt64(bytes[position]) << 56
        position &+= 1
        return bits
    }
}
