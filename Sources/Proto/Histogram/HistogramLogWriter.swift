/// Formats an HdrHistogram interval log (.hlog) as Java's `HistogramLogWriter` and the Python
/// package's `hdrh.log.HistogramLogWriter` write it, so `HistogramLogProcessor`, HdrHistogram's
/// plotters and `hdrh.log.HistogramLogReader` can read what we record. Callers write the text.
///
///     #[Histogram log format version 1.3]
///     #[StartTime: 1700000000.000 (seconds since epoch), 2023-11-14T22:13:20Z]
///     #[BaseTime: 1700000000.000 (seconds since epoch)]
///     "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
///     0.000,1.000,0.012543,HISTFAAAA...
///
/// Interval start times are offsets from the start time (which BaseTime states explicitly, so
/// readers need not guess whether timestamps are absolute). The max column is the histogram's
/// max in microseconds divided by 1e6, i.e. seconds, as the Python writer's default unit ratio
/// does; it is printed with 6 decimals so no microsecond is lost.
public struct HistogramLogWriter: Sendable {
    /// The log's start, in seconds since the Unix epoch.
    public let startTime: Double
    /// Free text written first as `#`-prefixed comment lines, or nil.
    public let comment: String?

    /// The log format version Java's writer currently emits.
    static let formatVersion = "1.3"
    /// Microseconds per second: the ratio the max column is divided by.
    static let maxValueUnitRatio = 1_000_000.0

    /// A writer for a log starting at `startTime` seconds since the epoch.
    public init(startTime: Double, comment: String? = nil) {
        self.startTime = startTime
        self.comment = comment
    }

    /// The comment, version, StartTime, BaseTime and legend lines, each ending in a newline.
    public var header: String {
        var text = ""
        if let comment {
            for line in comment.split(separator: "\n", omittingEmptySubsequences: false) {
                text += "#\(line)\n"
            }
        }
        let start = Self.fixed(startTime, decimals: 3)
        text += "#[Histogram log format version \(Self.formatVersion)]\n"
        text += "#[StartTime: \(start) (seconds since epoch), \(Self.utcTimestamp(startTime))]\n"
        text += "#[BaseTime: \(start) (seconds since epoch)]\n"
        text += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
        return text
    }

    /// One interval line, ending in a newline: `startOffset` seconds after the start time,
    /// `length` seconds long, then the max in seconds and the Base64 V2 compressed histogram.
    public func line(for histogram: Histogram, startOffset: Double, length: Double) -> String {
        let maxSeconds = Double(histogram.maxValue) / Self.maxValueUnitRatio
        return "\(Self.fixed(startOffset, decimals: 3)),\(Self.fixed(length, decimals: 3)),"
            + "\(Self.fixed(maxSeconds, decimals: 6)),\(histogram.encodedV2Base64())\n"
    }

    /// `value` with exactly `decimals` digits after the point, like C's `%.Nf` (there is no
    /// `String(format:)` in FoundationEssentials).
    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * Double(scale)).rounded()
        guard value.isFinite, scaled < 9.0e18 else { return "\(value)" }
        let units = UInt64(scaled)
        let fraction = String(units % scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(units)" }
        return "\(sign)\(units / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// ISO 8601 UTC time of `secondsSinceEpoch`, e.g. `2023-11-14T22:13:20Z` (the date on the
    /// StartTime line is informational; readers parse only the number).
    static func utcTimestamp(_ secondsSinceEpoch: Double) -> String {
        guard secondsSinceEpoch.isFinite, secondsSinceEpoch.magnitude < 1e15 else { return "unknown" }
        let seconds = Int64(secondsSinceEpoch.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's days_from_civil inverse, valid for the proleptic Gregorian calendar.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ number: Int64) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3_600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
