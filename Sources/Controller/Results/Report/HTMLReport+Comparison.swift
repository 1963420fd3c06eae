import Proto

// Several runs: each run's key figures against the baseline's.
extension HTMLReport {
    /// A run's key figures over all its stages.
    struct Figures {
        /// Requests per second over the stages' time.
        var rps: Double
        /// Latency percentiles of every request, µs.
        var p50: Double, p99: Double, p999: Double
        /// Errors, all kinds.
        var errors: Double
        /// Whether its verdict is ok.
        var ok: Bool

        /// The figures of `document`: percentiles from its merged histogram (the slowest
        /// stage's latency_stats when that does not decode), rps as all requests over the
        /// stages' summed time.
        init(_ document: ResultDocument) {
            var seconds = 0.0, requests = 0.0
            for entry in document.kbResult where entry.httpRps > 0 {
                seconds += entry.durationSeconds ?? Double(entry.httpTotalReq) / entry.httpRps
                requests += Double(entry.httpTotalReq)
            }
            rps = seconds > 0 ? requests / seconds : 0
            if let histogram = try? Histogram(decodingV2Base64: document.histogram), histogram.totalCount > 0 {
                p50 = Double(histogram.value(atPercentile: 50))
                p99 = Double(histogram.value(atPercentile: 99))
                p999 = Double(histogram.value(atPercentile: 99.9))
            } else {
                func worst(_ p: Double) -> Double {
                    Double(document.kbResult.flatMap(\.latencyStats).filter { $0.percentile == p }.map(\.microseconds).max() ?? 0)
                }
                (p50, p99, p999) = (worst(50), worst(99), worst(99.9))
            }
            errors = Double(document.errors.total)
            ok = document.verdict == .ok
        }
    }

    /// The comparison table: a row per run, each figure with its difference to the baseline
    /// (absolute and in percent), green where better, red where worse.
    func comparison(_ runs: [ReportRun]) -> String {
        let figures = runs.map { Figures($0.document) }
        let base = figures[0]
        var html = "<section id=\"comparison\"><h2>Comparison against the baseline</h2>\n"
        html += "<p class=\"note\">Over all stages of each run; differences are against the first run, the baseline.</p>"
        html += "<div class=\"scroll\"><table><tr><th class=\"text\">run</th><th>verdict</th><th>rps</th><th>p50</th><th>p99</th><th>p99.9</th><th>errors</th></tr>"
        for (run, f) in zip(runs, figures) {
            let first = run.index == 0
            html += "<tr><td class=\"text\">\(swatch(run))\(ReportText.escape(run.name))\(first ? " (baseline)" : "")</td>"
            html += f.ok ? "<td class=\"better\">ok</td>" : "<td class=\"worse\">NOT OK</td>"
            html += cell(f.rps, base.rps, first: first, higherIsBetter: true, format: { ReportText.figure($0, decimals: 1) })
            for (value, baseline) in [(f.p50, base.p50), (f.p99, base.p99), (f.p999, base.p999)] {
                html += cell(value, baseline, first: first, higherIsBetter: false, format: { ReportText.latency($0) })
            }
            html += cell(f.errors, base.errors, first: first, higherIsBetter: false, format: { ReportText.figure($0) })
            html += "</tr>"
        }
        return html + "</table></div></section>\n"
    }

    /// A figure and, after the baseline, "+12.5 (+4.1 %)".
    private func cell(_ value: Double, _ baseline: Double, first: Bool, higherIsBetter: Bool, format: (Double) -> String) -> String {
        guard !first else { return "<td>\(format(value))</td>" }
        let difference = value - baseline
        let percent = baseline != 0 ? ReportText.number(difference / baseline * 100, decimals: 1) + "\u{202F}%" : (difference == 0 ? "0\u{202F}%" : "n/a")
        let sign = difference > 0 ? "+" : difference < 0 ? "-" : "±"
        let magnitude = format(difference.magnitude)
        let better = difference == 0 ? "" : ((difference > 0) == higherIsBetter ? "better" : "worse")
        let signedPercent = percent.hasPrefix("-") || percent == "n/a" || difference == 0 ? percent : "+" + percent
        return "<td>\(format(value))<br><small class=\"\(better)\">\(sign)\(magnitude) (\(signedPercent))</small></td>"
    }
}
