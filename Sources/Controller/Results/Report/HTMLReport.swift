/// The HTML report of one or more runs: one self-contained file that a browser shows without
/// any network (inline CSS and SVG, no script, no font, no image fetched), small enough to
/// mail (a 10-minute run stays well under 1 MB).
///
/// From top to bottom: the header (run id, label, cloud, time, status and the verdict), the
/// four charts (latency by percentile per stage, throughput, percentiles and errors over time),
/// with several runs a comparison against the first (the baseline), the stage table, the
/// per-group table, the trust panel and the configuration used. Several runs are overlaid in
/// every chart, one colour each. Every text from a document (labels, reasons, the YAML) is
/// escaped.
public struct HTMLReport: Sendable {
    /// The runs, the baseline first.
    public let documents: [ResultDocument]

    /// A report of `documents` (at least one), the first being the baseline of any comparison.
    public init(documents: [ResultDocument]) {
        precondition(!documents.isEmpty, "HTMLReport needs at least one result document")
        self.documents = documents
    }

    /// A report of one run.
    public init(_ document: ResultDocument) {
        self.init(documents: [document])
    }

    /// The whole page.
    public func render() -> String {
        let runs = documents.enumerated().map { ReportRun($0.element, index: $0.offset) }
        let charts = ReportCharts(runs: runs)
        var page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        page += "<title>\(ReportText.escape(pageTitle))</title><style>\(Self.style)</style></head><body>\n"
        page += header(runs)
        page += "<section id=\"charts\"><h2>Charts</h2>\n"
        page += figure(charts.latency(), group: 1, caption: "Each line is a stage's merged histogram: x is the percentile on KloudBuster's \"nines\" axis (90 %, 99 %, 99.9 %, ...), y the latency (logarithmic).")
        let throughput = charts.throughput(), percentiles = charts.percentiles(), errors = charts.errors()
        page += figure(throughput.chart, group: throughput.group, caption: "Complete responses per second, per report interval; dashed marks are stage starts.")
        page += figure(percentiles.chart, group: percentiles.group, caption: "Latency percentiles of each interval (merged over every client).")
        page += figure(errors.chart, group: errors.group, caption: "Errors per second by kind: connect, read, write, timeout, status (not 2xx/3xx), parse.")
        page += "</section>\n"
        if runs.count > 1 { page += comparison(runs) }
        page += stageTables(runs)
        page += groupTables(runs)
        page += trustPanel(runs)
        page += configuration(runs)
        page += "<footer>KloudBuster \(ReportText.escape(KloudBuster.version)) report. Self-contained: nothing on this page comes from the network.</footer>\n"
        return page + "</body></html>\n"
    }

    private var pageTitle: String {
        let names = documents.map { d in d.label.flatMap { $0.isEmpty ? nil : "\(d.runID) (\($0))" } ?? d.runID }
        return "KloudBuster report: " + names.joined(separator: " vs ")
    }

    /// One chart in a `<figure>` with its caption (and a note when points were merged).
    private func figure(_ chart: SVGChart, group: Int, caption: String) -> String {
        let merged = group > 1 ? " Every point merges \(group) intervals (mean for rates, largest for latencies)." : ""
        return "<figure><figcaption><b>\(ReportText.escape(chart.title))</b></figcaption>\(chart.render())"
            + "<p class=\"caption\">\(ReportText.escape(caption + merged))</p></figure>\n"
    }

    /// The header: what each run was and its verdict, prominently.
    private func header(_ runs: [ReportRun]) -> String {
        var html = "<header><h1>KloudBuster report</h1>\n<div class=\"runs\">"
        for run in runs {
            let d = run.document
            let role = runs.count > 1 ? (run.index == 0 ? " <span class=\"tag\">baseline</span>" : " <span class=\"tag\">run \(run.index + 1)</span>") : ""
            html += "<div class=\"run\" style=\"border-left-color:\(run.colour)\"><h2>\(ReportText.escape(d.runID))\(role)</h2><dl>"
            let fields: [(String, String)] = [
                ("label", d.label ?? "-"), ("cloud", d.cloud), ("started", d.time),
                ("status", d.status + (d.detail.map { ": \($0)" } ?? "")), ("stages", "\(d.kbResult.count)"),
                ("version", d.version),
            ]
            for (key, value) in fields { html += "<dt>\(key)</dt><dd>\(ReportText.escape(value))</dd>" }
            html += "</dl>\(verdictBox(d.verdict))</div>\n"
        }
        return html + "</div></header>\n"
    }

    /// The verdict: "ok" in green, or every reason in red.
    func verdictBox(_ verdict: ResultDocument.VerdictValue) -> String {
        switch verdict {
        case .ok:
            return "<div class=\"verdict ok\">Verdict: ok <small>every check passed: the numbers can be taken at face value</small></div>"
        case .reasons(let reasons):
            let items = reasons.map { "<li>\(ReportText.escape($0))</li>" }.joined()
            return "<div class=\"verdict bad\">Verdict: NOT OK <small>(\(reasons.count) reason\(reasons.count == 1 ? "" : "s"): the numbers cannot be taken at face value)</small><ul>\(items)</ul></div>"
        }
    }

    /// The page's CSS: system fonts only, nothing loaded.
    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:0 auto;max-width:1100px;padding:12px 20px 40px}\
        h1{font-size:24px;margin:8px 0}h2{font-size:18px;margin:18px 0 8px}h3{font-size:15px;margin:14px 0 6px}\
        .runs{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:0 18px}\
        .run{border-left:6px solid #888;padding:2px 12px;margin:10px 0}.run h2{margin:4px 0;font-family:ui-monospace,monospace}\
        .tag{font:12px system-ui,sans-serif;background:#eee;border-radius:3px;padding:1px 6px;vertical-align:middle}\
        dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:4px 0}dt{color:#555}dd{margin:0}\
        .verdict{font-size:18px;font-weight:600;padding:8px 12px;border-radius:4px;margin:8px 0}\
        .verdict small{font-size:13px;font-weight:400}.verdict ul{font-size:14px;font-weight:400;margin:4px 0 0;padding-left:20px}\
        .ok{background:#e3f5e6;color:#0b6b20;border:1px solid #0b6b20}.bad{background:#fdecea;color:#a11b0e;border:1px solid #a11b0e}\
        figure{margin:10px 0 22px}figcaption{margin-bottom:4px}svg{width:100%;max-width:760px;height:auto;display:block}\
        .caption{color:#555;font-size:12px;margin:2px 0}\
        .frame{fill:none;stroke:#999}.grid{stroke:#e4e4e4}.mark{stroke:#999;stroke-dasharray:3 3}\
        path{fill:none;stroke-width:1.8;stroke-linejoin:round}.key{stroke-width:2.5}\
        svg text{font:11px system-ui,sans-serif;fill:#333}.ytick{text-anchor:end}.xtick,.xtitle{text-anchor:middle}\
        .ytitle{text-anchor:middle}.legend{font-size:12px}.marklabel{fill:#777;font-size:10px}\
        .nodata{text-anchor:middle;font-size:16px;fill:#888}\
        table{border-collapse:collapse;margin:6px 0 14px;font-size:13px;font-variant-numeric:tabular-nums}\
        th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}\
        th{background:#f4f4f4;white-space:normal;vertical-align:bottom}td.text{min-width:9em}\
        td.text,th.text{text-align:left;white-space:normal}.scroll{overflow-x:auto}\
        .better{color:#0b6b20}.worse{color:#a11b0e}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}\
        .warn{color:#a11b0e;font-weight:600}.note{color:#555;font-size:12px}\
        pre{background:#f7f7f7;border:1px solid #ddd;padding:8px;overflow-x:auto;font-size:12px}\
        details{margin:6px 0}summary{cursor:pointer;font-weight:600}footer{margin-top:30px;color:#777;font-size:12px}
        """
}
