import Foundation
import Proto

/// The run's HdrHistogram interval log (`.hlog`): one line per closed interval with the merged
/// histogram, offsets from the first stage's start, readable by HdrHistogram's tools.
struct IntervalLog {
    private var writer: HistogramLogWriter?
    private var lines: [String] = []
    private let comment: String

    /// A log whose header comment names the run.
    init(runID: String) {
        comment = "KloudBuster \(KloudBuster.version) run \(runID): merged latency of all clients, microseconds"
    }

    /// Adds the merged histogram of an interval that started at `startUnixNs`.
    mutating func append(_ histogram: Histogram, startUnixNs: Int64, seconds: Double) {
        if writer == nil {
            writer = HistogramLogWriter(startTime: Double(startUnixNs) / 1e9, comment: comment)
        }
        let offset = max(0, Double(startUnixNs) / 1e9 - writer!.startTime)
        lines.append(writer!.line(for: histogram, startOffset: offset, length: seconds))
    }

    /// The whole log; only the header when no interval was recorded.
    var text: String {
        (writer ?? HistogramLogWriter(startTime: Date().timeIntervalSince1970, comment: comment)).header
            + lines.joined()
    }
}
