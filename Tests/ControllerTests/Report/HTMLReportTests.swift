@testable import Controller
import Foundation
import Proto
import Testing

@Suite("HTMLReport: one self-contained page of one or more runs")
struct HTMLReportTests {
    /// Each chart's `<svg data-chart=NAME ...>...</svg>`, by name.
    static func charts(_ html: String) -> [String: String] {
        var charts: [String: String] = [:]
        var rest = html[...]
        while let open = rest.range(of: "<svg data-chart=\"") {
            let nameEnd = rest[open.upperBound...].firstIndex(of: "\"")!
            let name = String(rest[open.upperBound..<nameEnd])
            let close = rest[open.lowerBound...].range(of: "</svg>")!
            charts[name] = String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return charts
    }

    /// How often `needle` occurs in `text`.
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// Everything in `html` that would make a browser fetch something, or would point at the network.
    static func externalReferences(_ html: String) -> [String] {
        ["http://", "https://", "src=", "@import", "url(", "<link", "<script", "<img", "<iframe", "srcset", "//cdn"].filter {
            html.localizedCaseInsensitiveContains($0)
        }
    }

    @Test("a run with known stages and intervals renders its header, every chart with a path, and its tables")
    func rendersOneRun() throws {
        let document = ReportFixtures.document(stages: 2, intervalsPerStage: 10)
        let html = HTMLReport(document).render()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("kb-20261203-0840-ab12"))
        #expect(html.contains("Verdict: ok"))
        let charts = Self.charts(html)
        #expect(charts.keys.sorted() == ["errors", "latency", "percentiles", "throughput"])
        #expect(Self.count("<path", in: charts["latency"] ?? "") == 2, "one line per stage")
        #expect(Self.count("<path", in: charts["throughput"] ?? "") == 1)
        #expect(Self.count("<path", in: charts["percentiles"] ?? "") == 4, "p50, p90, p99, p99.9")
        #expect(Self.count("<path", in: charts["errors"] ?? "") == 2, "connect and timeout, the kinds that occurred")
        for (name, chart) in charts {
            #expect(!chart.contains("no data"), "\(name)")
            #expect(chart.contains("class=\"xtick\"") && chart.contains("class=\"ytick\"") && chart.contains("class=\"legend\""), "\(name) has ticks and a legend")
        }
        #expect(charts["latency"]?.contains(">99.9%<") == true, "the nines axis")
        for column in ["rps", "requests", "socket errors", "timeouts", "throughput", "rate limit", "connections", "client VMs", "server VMs", "p99.9"] {
            #expect(html.contains("<th>\(column)</th>"), "stage table column \(column)")
        }
        #expect(html.contains("tenant-0"), "the group table")
        #expect(html.contains("<details><summary>Configuration used"))
        #expect(html.contains("id=\"trust\""))
        #expect(!html.contains("id=\"comparison\""), "one run compares with nothing")
    }

    @Test("the latency line agrees with latency_stats at p50 and p99")
    func latencyDistributionMatchesStats() throws {
        let histogram = ReportFixtures.tail(requests: 100_000, typicalUs: 1_000)
        let points = ReportRun.distribution(histogram)
        #expect(points.first?.x == 0)
        #expect(abs((points.last?.x ?? 0) - 5) < 1e-9, "100 000 requests resolve five nines")
        let p50 = try #require(points.first { abs($0.x - 0.3) < 1e-9 })  // 1 - 10^-0.3 ≈ 49.9 %
        #expect(abs(p50.y - Double(histogram.value(atPercentile: 100 * (1 - pow(10, -0.3))))) < 1)
        let p99 = try #require(points.first { abs($0.x - 2) < 1e-9 })
        #expect(p99.y == Double(histogram.value(atPercentile: 99)))
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.y <= $1.y }, "a distribution never falls")
    }

    @Test("user text is escaped everywhere: label, description, reasons, agent ids, configuration")
    func escapesUserText() throws {
        var document = ReportFixtures.document(label: "<script>alert(1)</script>", config: "label: \"</pre><script>alert(2)</script>\"\n")
        document.kbResult[0].description = "<b onmouseover=alert(3)>stage</b>"
        document.verdict = .reasons(["stage 1: <img src=x onerror=alert(4)>"])
        document.agents[0].id = "cli-\"><script>alert(5)</script>"
        document.agents[0].status = "lost"
        document.detail = "a & b"
        let html = HTMLReport(document).render()
        for raw in ["<script>alert(1)</script>", "<script>alert(2)</script>", "<b onmouseover", "<img src=x", "<script>alert(5)"] {
            #expect(!html.contains(raw), "\(raw) appears unescaped")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;/pre&gt;&lt;script&gt;alert(2)"))
        #expect(html.contains("a &amp; b"))
        #expect(!html.contains("<img") && !html.contains("<script"), "no tag from user text")
    }

    @Test("the page refers to nothing outside itself: no http(s)://, src=, @import, url(, link or script")
    func selfContained() throws {
        let html = HTMLReport(documents: [ReportFixtures.document(), ReportFixtures.document(runID: "kb-2", label: "b")]).render()
        #expect(Self.externalReferences(html).isEmpty, "\(Self.externalReferences(html))")
        #expect(!html.contains("xmlns"), "inline SVG in HTML needs no namespace URL")
    }

    @Test("a 10-minute run (600 one-second intervals in each of 4 stages, 200 clients in 20 groups) stays under 1 MB")
    func longRunStaysSmall() throws {
        let document = ReportFixtures.document(stages: 4, intervalsPerStage: 600, clients: 200, groups: 20)
        let started = ContinuousClock.now
        let html = HTMLReport(document).render()
        let elapsed = ContinuousClock.now - started
        let bytes = html.utf8.count
        print("HTMLReport: 4 × 600 intervals, 400 agents: \(bytes) bytes in \(elapsed)")
        #expect(bytes < 1_000_000)
        let charts = Self.charts(html)
        // 2 400 intervals merged down to at most 600 points a line.
        let path = try #require(charts["throughput"]?.components(separatedBy: "<path d=\"").dropFirst().first)
        let numbers = path.prefix { $0 != "\"" }.split { $0 == " " || $0 == "M" }.count
        #expect(numbers / 2 <= 600 && numbers / 2 >= 500, "\(numbers / 2) points")
        #expect(html.contains("Every point merges 4 intervals"))
        for (name, chart) in charts { #expect(Self.count("<path", in: chart) >= 1, "\(name)") }
    }

    @Test("three runs: every chart overlays all three, the legend names them, the table gives the differences")
    func comparesThreeRuns() throws {
        let documents = [
            ReportFixtures.document(runID: "kb-a", label: "base", rate: 500, typicalUs: 800),
            ReportFixtures.document(runID: "kb-b", label: "tuned", rate: 550, typicalUs: 600),
            ReportFixtures.document(runID: "kb-c", label: "worse", rate: 500, typicalUs: 1_600),
        ]
        let html = HTMLReport(documents: documents).render()
        let charts = Self.charts(html)
        #expect(Self.count("<path", in: charts["latency"] ?? "") == 6, "2 stages × 3 runs")
        #expect(Self.count("<path", in: charts["throughput"] ?? "") == 3)
        #expect(Self.count("<path", in: charts["percentiles"] ?? "") == 12)
        for name in ["base", "tuned", "worse"] {
            #expect(charts["throughput"]?.contains(">\(name)</text>") == true, "\(name) in the throughput legend")
            #expect(charts["latency"]?.contains(">\(name) · stage 1</text>") == true, "\(name) in the latency legend")
        }
        let colours = Set(ReportRun.palette.prefix(3).filter { charts["throughput"]?.contains("stroke=\"\($0)\"") == true })
        #expect(colours.count == 3, "one colour per run")
        let table = try #require(html.components(separatedBy: "id=\"comparison\"").dropFirst().first?.components(separatedBy: "</table>").first)
        #expect(Self.count("<tr>", in: table) == 4, "header and three runs")
        #expect(table.contains("base (baseline)"))
        // tuned: 1 100 against 1 000 req/s.
        #expect(table.contains("+100 (+10\u{202F}%)"))
        #expect(table.contains("class=\"worse\""), "the slower run's latencies are marked worse")
        #expect(table.contains("class=\"better\""))
    }

    @Test("an older result.json without the report's fields still decodes and renders, saying what it lacks")
    func oldDocumentRenders() throws {
        let document = ReportFixtures.document()
        var object = try #require(try JSONSerialization.jsonObject(with: document.jsonData()) as? [String: Any])
        object["config"] = nil
        object["kb_result"] = (object["kb_result"] as? [[String: Any]])?.map { entry in
            entry.filter { !["duration_s", "engine_lag_p99_us", "engine_lag_max_us", "engine_threads", "client_cpu_percent", "agent_problems", "groups"].contains($0.key) }
        }
        object["agents"] = (object["agents"] as? [[String: Any]])?.map { $0.filter { $0.key != "group" && $0.key != "clock_offset_us" } }
        let old = try JSONDecoder().decode(ResultDocument.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.config == nil && old.kbResult[0].engineLagP99Us == nil && old.agents[0].group == nil)
        let html = HTMLReport(old).render()
        #expect(html.contains("Clock offsets: not in this result"))
        #expect(html.contains("not recorded"))
        #expect(html.contains("does not record the agents' server groups"))
        #expect(html.contains("Configuration used (effective YAML): not in this result"))
        for (name, chart) in Self.charts(html) { #expect(Self.count("<path", in: chart) >= 1, "\(name)") }
    }

    @Test("a run without stages or intervals says no data in every chart and draws no line")
    func noData() throws {
        let document = ResultDocument(
            runID: "kb-empty", cloud: "local", label: nil, startedAt: Date(), status: "failed", detail: "no agent joined",
            stages: [], intervals: [], agents: [], runReasons: ["the run failed: no agent joined"])
        let html = HTMLReport(document).render()
        let charts = Self.charts(html)
        #expect(charts.count == 4)
        for (name, chart) in charts {
            #expect(chart.contains(">no data</text>"), "\(name)")
            #expect(!chart.contains("<path"), "\(name)")
        }
        #expect(html.contains("Verdict: NOT OK"))
        #expect(html.contains("the run failed: no agent joined"))
    }

    @Test("numbers are compact: no trailing zeros, thousands grouped")
    func numbers() {
        #expect(ReportText.number(12.0) == "12")
        #expect(ReportText.number(12.25, decimals: 1) == "12.3")
        #expect(ReportText.number(-0.04, decimals: 1) == "0")
        #expect(ReportText.number(-3.5) == "-3.5")
        #expect(ReportText.figure(1_234_567) == "1\u{2009}234\u{2009}567")
        #expect(ReportText.latency(Int64(850)) == "850\u{202F}µs")
        #expect(ReportText.latency(Int64(12_345)) == "12.3\u{202F}ms")
        #expect(ReportText.clock(90) == "1m30s")
        #expect(ReportText.nines(3) == "99.9%")
    }
}
