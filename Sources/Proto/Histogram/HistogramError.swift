/// Why a histogram could not be built, merged, subtracted, encoded or decoded.
public enum HistogramError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two histograms do not share one bucket layout (unit magnitude, sub-bucket count and counts
    /// length), so their counts cannot be combined index by index.
    case layoutMismatch
    /// A counts array handed to `Histogram(counts:)` has the wrong length for the layout.
    case countsLengthMismatch(expected: Int, actual: Int)
    /// A count would be negative: a negative entry in an adopted counts array, or a subtraction
    /// whose `earlier` histogram is not an earlier snapshot of the same cumulative histogram.
    case negativeCount(index: Int, count: Int64)
    /// The lowest/highest/significant-figures triple is not a valid HdrHistogram layout.
    case invalidParameters(String)
    /// The bytes are not a V2 histogram encoding: bad cookie, bad length, truncated or overlong
    /// varints, counts past the end of the layout.
    case malformedEncoding(String)
    /// zlib returned an error code while compressing or inflating.
    case zlib(operation: String, code: Int32)

    /// A message that says what was wrong and what to look at.
    public var description: String {
        switch self {
        case .layoutMismatch:
            return "histogram layouts differ (lowest discernible value, highest trackable value or significant figures); "
                + "only histograms created with the same parameters can be added or subtracted"
        case .countsLengthMismatch(let expected, let actual):
            return "counts array has \(actual) entries but this histogram layout has \(expected); "
                + "create the recorder with the same lowest/highest/significant figures"
        case .negativeCount(let index, let count):
            return "count at index \(index) would be \(count); counts must not be negative "
                + "(when subtracting, pass an earlier snapshot of the same cumulative histogram)"
        case .invalidParameters(let reason):
            return "invalid histogram parameters: \(reason)"
        case .malformedEncoding(let reason):
            return "malformed V2 histogram encoding: \(reason)"
        case .zlib(let operation, let code):
            return "zlib \(operation) failed with code \(code) (\(Self.zlibCodeName(code)))"
        }
    }

    private static func zlibCodeName(_ code: Int32) -> String {
        // zlib.h's values; spelled out here so this file needs no C import.
        switch code {
        case 2: return "Z_NEED_DICT: the stream needs a preset dictionary"
        case -2: return "Z_STREAM_ERROR: inconsistent stream state"
        case -3: return "Z_DATA_ERROR: the compressed data is corrupt"
        case -4: return "Z_MEM_ERROR: out of memory"
        case -5: return "Z_BUF_ERROR: the compressed data is truncated"
        case -6: return "Z_VERSION_ERROR: incompatible zlib library"
        default: return "unexpected zlib code"
        }
    }
}
