import Proto

/// What a run prints: the wrk-like text summary, the interval lines, the `--json` object and the
/// HdrHistogram log.
public struct LoadReport: Sendable {
    /// The percentiles of the latency table and the JSON `latency_us` object, as KloudBuster
    /// reports them.
    public static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 99.999]

    /// The measured run.
    public let result: LoadResult

    /// A report of `result`.
    public init(result: LoadResult) {
        self.result = result
    }

    /// The line printed when the load starts, as wrk prints it.
    public static func banner(plan: LoadPlan, duration: DurationValue) -> String {
        var text = "Running \(DurationValue(duration.duration)) test @ \(plan.displayURL)\n"
        text += "  \(plan.threads) thread\(plan.threads == 1 ? "" : "s") and \(plan.connections) connection\(plan.connections == 1 ? "" : "s")"
        if let rate = plan.rate { text += ", \(Formatting.fixed(rate, rate == rate.rounded() ? 0 : 2)) requests/s" }
        if plan.rate != nil, plan.sendWindow > .zero { text += " in \(DurationValue(plan.sendWindow)) windows" }
        return text
    }

    /// The column heads for `intervalLine(_:)`.
    public static let intervalHeader = "  " + ["time", "req/s", "MB/s", "p50", "p99", "p99.9", "errors"]
        .enumerated().map { Formatting.pad($0.element, $0.offset == 0 ? 8 : 11) }.joined()

    /// One line for one interval: its end time, request rate, read throughput, latency
    /// percentiles and error count.
    public static func intervalLine(_ sample: IntervalSample) -> String {
        let latency = sample.totals.latency
        let columns = [
            Formatting.fixed(sample.startOffset + sample.length, 1) + "s",
            Formatting.fixed(sample.requestsPerSecond, 1),
            Formatting.fixed(sample.bytesReadPerSecond / 1_048_576, 2),
            Formatting.latency(latency.value(atPercentile: 50)),
            Formatting.latency(latency.value(atPercentile: 99)),
            Formatting.latency(latency.value(atPercentile: 99.9)),
            String(sample.totals.errors.total),
        ]
        return "  " + columns.enumerated().map { Formatting.pad($0.element, $0.offset == 0 ? 8 : 11) }.joined()
    }

    /// The summary printed at the end of a text run.
    public func text() -> String {
        let totals = result.totals
        let latency = totals.latency
        var lines: [String] = []
        lines.append("  Latency" + ["Avg", "Stdev", "Min", "Max"].map { Formatting.pad($0, 11) }.joined())
        let statistics = latency.totalCount == 0 ? ["-", "-", "-", "-"] : [
            Formatting.latency(latency.mean), Formatting.latency(latency.standardDeviation),
            Formatting.latency(totals.latencyMin ?? 0), Formatting.latency(totals.latencyMax),
        ]
        lines.append("         " + statistics.map { Formatting.pad($0, 11) }.joined())
        lines.append("  Latency Distribution")
        let show: (Int64) -> String = { latency.totalCount == 0 ? "-" : Formatting.latency($0) }
        for percentile in LoadReport.percentiles {
            let label = LoadReport.percentileLabel(percentile) + "%"
            lines.append("  " + Formatting.pad(label, 8) + Formatting.pad(show(latency.value(atPercentile: percentile)), 11))
        }
        lines.append("  " + Formatting.pad("max", 8) + Formatting.pad(show(totals.latencyMax), 11))
        lines.append("  \(totals.requests) requests in \(Formatting.fixed(result.duration, 2))s, \(Formatting.bytes(Double(totals.bytesRead))) read, \(Formatting.bytes(Double(totals.bytesWritten))) written\(result.interrupted ? " (interrupted)" : "")")
        for (name, count) in totals.errors.named where count > 0 {
            // As wrk says "Socket errors: connect 30", with the first such error's reason.
            let reason = totals.errorReasons.reason(named: name).map { " (\($0))" } ?? ""
            lines.append("  \(name) errors: \(count)\(reason)")
        }
        if !totals.statusCodes.isEmpty {
            lines.append("  Status codes: " + totals.statusCodes.sorted { $0.key < $1.key }
                .map { "\($0.key == 0 ? "other" : String($0.key)) \($0.value)" }.joined(separator: ", "))
        }
        if result.plan.rate != nil, totals.lag.totalCount > 0 {
            let lag = totals.lag
            lines.append("  Send lag: p50 \(Formatting.latency(lag.value(atPercentile: 50))), p99 \(Formatting.latency(lag.value(atPercentile: 99))), max \(Formatting.latency(totals.lagMax))")
        }
        lines.append("Requests/sec: " + Formatting.pad(Formatting.fixed(result.requestsPerSecond, 2), 12))
        lines.append("Transfer/sec: " + Formatting.pad(Formatting.bytes(result.bytesReadPerSecond), 12))
        lines.append("CPU: user \(Formatting.fixed(result.cpu.user, 2))s, sys \(Formatting.fixed(result.cpu.system, 2))s")
        return lines.joined(separator: "\n")
    }

    /// The HdrHistogram interval log: a header, then one line per interval, or one line for the
    /// whole run when there were no intervals.
    public func histogramLog(comment: String? = nil) -> String {
        let writer = HistogramLogWriter(startTime: result.startTime, comment: comment)
        var text = writer.header
        if !text.hasSuffix("\n") { text += "\n" }
        let pieces = result.intervals.isEmpty
            ? [(0.0, result.duration, result.totals.latency)]
            : result.intervals.map { ($0.startOffset, $0.length, $0.totals.latency) }
        for (offset, length, histogram) in pieces {
            text += writer.line(for: histogram, startOffset: offset, length: length)
            if !text.hasSuffix("\n") { text += "\n" }
        }
        return text
    }

    /// "99.9" for 99.9, "50" for 50: the label of a percentile and the suffix of its JSON key.
    static func percentileLabel(_ percentile: Double) -> String {
        percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
    }
}
