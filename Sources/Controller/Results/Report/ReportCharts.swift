import Foundation

/// The report's four charts, each drawn from every run at once (one colour per run when there
/// are several): the latency distribution per stage, throughput, percentiles and errors over
/// time. Long time series are merged down to `pointLimit` points a line, which keeps a
/// long run's report small.
struct ReportCharts {
    /// The runs, baseline first.
    let runs: [ReportRun]
    /// At most this many points per line of a time chart.
    var pointLimit = 600

    /// Several runs: colour per run, dash per line within it. One run: colour per line.
    private var overlaid: Bool { runs.count > 1 }

    private func style(run: ReportRun, line: Int) -> (colour: String, dash: String) {
        if overlaid { return (run.colour, ReportRun.dashes[line % ReportRun.dashes.count]) }
        return (ReportRun.palette[line % ReportRun.palette.count], "")
    }

    private func name(run: ReportRun, _ line: String) -> String {
        overlaid ? "\(run.name) · \(line)" : line
    }

    /// (a) KloudBuster's latency distribution: x = percentile on the nines axis, y = latency
    /// (logarithmic), one line per stage, from the stage histograms.
    func latency() -> SVGChart {
        var series: [ChartSeries] = []
        var deepest = 2.0
        var lowest = Double.infinity, highest = 0.0
        for run in runs {
            for (position, entry) in run.document.kbResult.enumerated() {
                guard let histogram = run.histograms[position], histogram.totalCount > 0 else { continue }
                let points = ReportRun.distribution(histogram)
                deepest = max(deepest, points.last?.x ?? 0)
                for point in points {
                    lowest = min(lowest, point.y)
                    highest = max(highest, point.y)
                }
                let look = style(run: run, line: position)
                series.append(ChartSeries(name: name(run: run, "stage \(entry.stage)"), colour: look.colour, dash: look.dash, segments: [points]))
            }
        }
        let y = ChartAxis.logarithmic(
            lowest: lowest.isFinite ? lowest : 1, highest: max(highest, 10), title: "latency", label: { ReportText.latency($0) })
        return SVGChart(
            name: "latency", title: "Latency by percentile, per stage", x: .nines(Int(deepest.rounded(.up))), y: y, series: series)
    }

    /// (b) Requests per second over time, one line per run.
    func throughput() -> (chart: SVGChart, group: Int) {
        timeChart(name: "throughput", title: "Throughput over time", yTitle: "requests/s", label: { ReportText.figure($0) },
                  lines: [("req/s", { $0.requestsPerSecond })], merge: Self.mean, nameSingle: "req/s")
    }

    /// (c) p50, p90, p99 and p99.9 over time.
    func percentiles() -> (chart: SVGChart, group: Int) {
        timeChart(
            name: "percentiles", title: "Latency percentiles over time", yTitle: "latency", label: { ReportText.latency($0) },
            lines: [
                ("p50", { Double($0.p50Us) }), ("p90", { Double($0.p90Us) }),
                ("p99", { Double($0.p99Us) }), ("p99.9", { Double($0.p999Us) }),
            ],
            merge: { $0.max() ?? 0 })
    }

    /// (d) Errors per second over time by kind; kinds that never occurred are left out, and a
    /// run without any error draws one line at zero ("none").
    func errors() -> (chart: SVGChart, group: Int) {
        let kinds: [(String, (ErrorTally) -> UInt64)] = [
            ("connect", \.connect), ("read", \.read), ("write", \.write), ("timeout", \.timeout), ("status", \.status), ("parse", \.parse),
        ]
        let present = kinds.filter { kind in
            runs.contains { run in run.document.intervals.contains { kind.1($0.errors) > 0 } }
        }
        let lines: [(String, (IntervalSummary) -> Double)] = present.isEmpty
            ? [("errors (none)", { _ in 0 })]
            : present.map { kind in (kind.0, { Double(kind.1($0.errors)) / max($0.durationSeconds, 0.001) }) }
        return timeChart(
            name: "errors", title: "Errors over time by kind", yTitle: "errors/s", label: { ReportText.figure($0, decimals: 1) },
            lines: lines, merge: Self.mean)
    }

    private static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// A chart over the runs' time lines: `lines` per run, downsampled with `merge`.
    private func timeChart(
        name chartName: String, title: String, yTitle: String, label: (Double) -> String,
        lines: [(String, (IntervalSummary) -> Double)], merge: ([Double]) -> Double, nameSingle: String? = nil
    ) -> (chart: SVGChart, group: Int) {
        var series: [ChartSeries] = []
        var highest = 0.0, span = 0.0, group = 1
        for run in runs where !run.timeline.isEmpty {
            span = max(span, run.duration)
            for (position, line) in lines.enumerated() {
                let reduced = ReportRun.downsample(run.segments(line.1), limit: pointLimit, merge: merge)
                group = max(group, reduced.group)
                for segment in reduced.segments { for point in segment { highest = max(highest, point.y) } }
                // One line per run needs no per-line colour: the run's own.
                let look = lines.count == 1 ? (colour: run.colour, dash: "") : style(run: run, line: position)
                let label = lines.count == 1 && !overlaid ? (nameSingle ?? line.0) : name(run: run, line.0)
                series.append(ChartSeries(name: lines.count == 1 && overlaid ? run.name : label, colour: look.colour, dash: look.dash, segments: reduced.segments))
            }
        }
        let markers = runs.first?.stageStarts ?? []
        let chart = SVGChart(
            name: chartName, title: title, x: .time(span),
            y: .linear(highest: highest, title: yTitle, label: label), series: series,
            markers: markers.count > 1 ? markers : [])
        return (chart, group)
    }
}
