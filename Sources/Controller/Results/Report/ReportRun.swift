import Foundation
import Proto

/// One result document as the report draws it: its colour, its name in legends, its stages'
/// decoded histograms and its intervals placed on a time line that starts at 0.
struct ReportRun {
    /// The document.
    let document: ResultDocument
    /// Its position among the report's documents; 0 is the baseline.
    let index: Int
    /// Its colour in every chart.
    let colour: String
    /// Each stage's latency histogram, nil when it does not decode.
    let histograms: [Histogram?]
    /// The intervals in time order with their place on the time line (seconds from the first
    /// interval's start, at the middle of the interval).
    let timeline: [(seconds: Double, interval: IntervalSummary)]

    /// Colours that stay apart for the colour-blind and on paper (Okabe and Ito's, then more).
    static let palette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#8c564b", "#7f7f7f", "#bcbd22"]
    /// Dash patterns that tell lines of one colour apart.
    static let dashes = ["", "7 3", "2 3", "9 3 2 3", "14 4", "4 2 4 6"]

    /// The run of `document`, the `index`th of the report.
    init(_ document: ResultDocument, index: Int) {
        self.document = document
        self.index = index
        colour = Self.palette[index % Self.palette.count]
        histograms = document.kbResult.map { try? Histogram(decodingV2Base64: $0.histogram) }
        let sorted = document.intervals.sorted { ($0.startUnixNs, $0.stage, $0.index) < ($1.startUnixNs, $1.stage, $1.index) }
        let origin = sorted.first?.startUnixNs ?? 0
        timeline = sorted.map { interval in
            (Double(interval.startUnixNs - origin) / 1e9 + interval.durationSeconds / 2, interval)
        }
    }

    /// The run's name in legends and tables: its label, else its id.
    var name: String {
        if let label = document.label, !label.isEmpty { return label }
        return document.runID
    }

    /// The time line cut into one segment per stage, each point made by `value`.
    func segments(_ value: (IntervalSummary) -> Double) -> [[(x: Double, y: Double)]] {
        var segments: [[(x: Double, y: Double)]] = []
        var stage: Int?
        for (seconds, interval) in timeline {
            if interval.stage != stage {
                segments.append([])
                stage = interval.stage
            }
            segments[segments.count - 1].append((seconds, value(interval)))
        }
        return segments
    }

    /// Where each stage's first interval lies on the time line.
    var stageStarts: [ChartMarker] {
        var seen = Set<Int>()
        return timeline.compactMap { seconds, interval in
            guard seen.insert(interval.stage).inserted else { return nil }
            return ChartMarker(x: max(0, seconds - interval.durationSeconds / 2), label: "stage \(interval.stage)")
        }
    }

    /// The seconds the run's intervals span.
    var duration: Double {
        guard let last = timeline.last else { return 0 }
        return last.seconds + last.interval.durationSeconds / 2
    }

    /// The latency distribution of `histogram` on the nines axis: (x, µs) from x = 0 (p0) to
    /// the deepest percentile its count resolves (x = log10(count), at most `maxNines`),
    /// every 0.05, in one pass over the counts.
    static func distribution(_ histogram: Histogram, maxNines: Double = 5) -> [(x: Double, y: Double)] {
        let total = histogram.totalCount
        guard total > 0 else { return [] }
        let deepest = min(maxNines, log10(Double(total)))
        let steps = max(1, Int((deepest / 0.05).rounded(.down)))
        let positions = (0...steps).map { Double($0) * 0.05 } + (deepest > Double(steps) * 0.05 + 1e-9 ? [deepest] : [])
        // The same target rule as Histogram.value(atPercentile:), so the line agrees with latency_stats.
        let targets: [Int64] = positions.map { x in
            let percentile = 100 * (1 - pow(10, -x))
            let raw = percentile * Double(total) / 100 + 0.5
            return raw >= Double(total) ? total : max(Int64(raw), 1)
        }
        var points: [(x: Double, y: Double)] = []
        points.reserveCapacity(positions.count)
        var next = 0
        var cumulative: Int64 = 0
        let counts = histogram.counts
        for index in counts.indices where counts[index] > 0 {
            cumulative += counts[index]
            while next < targets.count, cumulative >= targets[next] {
                let value = histogram.value(atIndex: index)
                let micros = next == 0 ? value : histogram.highestEquivalentValue(of: value)
                points.append((positions[next], Double(max(micros, 1))))
                next += 1
            }
            if next == targets.count { break }
        }
        return points
    }

    /// `points` reduced to at most about `limit` by merging runs of neighbours: x is the
    /// group's middle, y what `merge` makes of the group's values (the mean for rates, the
    /// largest for latencies, so that spikes stay visible). Returns the group size used.
    static func downsample(
        _ segments: [[(x: Double, y: Double)]], limit: Int, merge: ([Double]) -> Double
    ) -> (segments: [[(x: Double, y: Double)]], group: Int) {
        let total = segments.reduce(0) { $0 + $1.count }
        guard total > limit else { return (segments, 1) }
        let group = (total + limit - 1) / limit
        let reduced = segments.map { segment in
            stride(from: 0, to: segment.count, by: group).map { start in
                let slice = segment[start..<min(start + group, segment.count)]
                return (x: (slice.first!.x + slice.last!.x) / 2, y: merge(slice.map(\.y)))
            }
        }
        return (reduced, group)
    }
}
