import Foundation
import Proto

/// The run's HdrHistogram interval log (`.hlog`): one line per closed interval with the merged
/// histogram, offsets from the first stage's start, readable by HdrHistogram's tools.
///
/// Each interval's histogram is kept (V2-encoded, a few KB) so that a report arriving after
/// its interval closed is merged into that interval's line: the log's total always equals the
/// stages' totals.
struct IntervalLog {
    /// Which interval a line is.
    struct Key: Hashable {
        let stage: Int
        let index: Int
    }

    private var writer: HistogramLogWriter?
    private var lines: [String] = []
    private var encoded: [[UInt8]] = []
    private var timing: [(startUnixNs: Int64, seconds: Double)] = []
    private var positions: [Key: Int] = [:]
    private let comment: String

    /// A log whose header comment names the run.
    init(runID: String) {
        comment = "KloudBuster \(KloudBuster.version) run \(runID): merged latency of all clients, microseconds"
    }

    /// Adds the merged histogram of interval `key`, which started at `startUnixNs`.
    mutating func append(_ histogram: Histogram, key: Key, startUnixNs: Int64, seconds: Double) {
        if writer == nil {
            writer = HistogramLogWriter(startTime: Double(startUnixNs) / 1e9, comment: comment)
        }
        positions[key] = lines.count
        lines.append(line(histogram, startUnixNs: startUnixNs, seconds: seconds))
        encoded.append(histogram.encodedV2())
        timing.append((startUnixNs, seconds))
    }

    /// The merged histogram of interval `key`, if it was appended.
    func histogram(_ key: Key) -> Histogram? {
        positions[key].flatMap { try? Histogram(decodingV2: encoded[$0]) }
    }

    /// Replaces interval `key`'s histogram (a late report was merged into it); false when the
    /// interval was never appended.
    @discardableResult
    mutating func replace(_ key: Key, with histogram: Histogram) -> Bool {
        guard let position = positions[key] else { return false }
        lines[position] = line(histogram, startUnixNs: timing[position].startUnixNs, seconds: timing[position].seconds)
        encoded[position] = histogram.encodedV2()
        return true
    }

    /// The whole log; only the header when no interval was recorded.
    var text: String {
        (writer ?? HistogramLogWriter(startTime: Date().timeIntervalSince1970, comment: comment)).header
            + lines.joined()
    }

    private func line(_ histogram: Histogram, startUnixNs: Int64, seconds: Double) -> String {
        guard let writer else { return "" }
        let offset = max(0, Double(startUnixNs) / 1e9 - writer.startTime)
        return writer.line(for: histogram, startOffset: offset, length: seconds)
    }
}
