import Agent
import Foundation
import Proto
import Testing

@Suite struct LoadReportTests {
    private func result(rate: Double?, intervals: Bool) -> LoadResult {
        var totals = EngineTotals()
        totals.requests = 1_000
        totals.bytesRead = 50_000
        totals.errors.connect = 2
        totals.errorReasons.connect = "connection refused"
        totals.statusCodes = [200: 990, 503: 10]
        for value in 1...1_000 { totals.latency.record(Int64(value)) }
        totals.latencyMin = 1
        totals.latencyMax = 1_000
        if rate != nil { totals.lag.record(30); totals.lagMax = 30 }
        let plan = LoadPlan(host: "127.0.0.1", port: 8080, connections: 10, threads: 2, rate: rate)
        let samples = intervals ? [IntervalSample(startOffset: 0, length: 1, totals: totals)] : []
        return LoadResult(
            plan: plan, duration: 2, cpu: CPUTime(user: 0.5, system: 0.25), totals: totals,
            intervals: samples, startTime: 1_700_000_000, interrupted: false)
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let text = try LoadReport(result: result(rate: 500, intervals: true)).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "requests", "duration_s", "rps", "bytes_read", "errors", "error_reasons", "status_codes", "latency_us",
            "histogram", "lag_us", "cpu", "intervals",
        ])
        #expect(object["rps"] as? Double == 500)
        let errors = try #require(object["errors"] as? [String: Int])
        #expect(errors == ["connect": 2, "read": 0, "write": 0, "timeout": 0, "status": 0, "parse": 0])
        #expect(object["error_reasons"] as? [String: String] == ["connect": "connection refused"])
        #expect(object["status_codes"] as? [String: Int] == ["200": 990, "503": 10])
        let latency = try #require(object["latency_us"] as? [String: Any])
        #expect(Set(latency.keys) == ["p50", "p75", "p90", "p99", "p99_9", "p99_99", "p99_999", "max", "mean"])
        #expect(latency["max"] as? Int == 1_000)
        #expect(latency["p50"] as? Int == 500)
        let histogram = try Histogram(decodingV2Base64: try #require(object["histogram"] as? String))
        #expect(histogram.totalCount == 1_000)
        #expect(Set(try #require(object["lag_us"] as? [String: Any]).keys) == ["p50", "p99", "max", "mean"])
        #expect(object["cpu"] as? [String: Double] == ["user_s": 0.5, "sys_s": 0.25])
        let interval = try #require((object["intervals"] as? [[String: Any]])?.first)
        #expect(Set(interval.keys) == ["t_s", "duration_s", "requests", "rps", "bytes_read", "errors", "p50", "p99", "p99_9", "max"])
    }

    @Test func jsonLeavesOutLagWithoutRateAndIntervalsWithoutInterval() throws {
        let text = try LoadReport(result: result(rate: nil, intervals: false)).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["lag_us"] == nil)
        #expect(object["intervals"] == nil)
    }

    @Test func textSummaryShowsOnlyNonZeroErrorsAndTheCodes() {
        let text = LoadReport(result: result(rate: nil, intervals: false)).text()
        #expect(text.contains("1000 requests in 2.00s"))
        #expect(text.contains("  connect errors: 2 (connection refused)\n"))
        #expect(!text.contains("timeout"))
        #expect(text.contains("Status codes: 200 990, 503 10"))
        #expect(text.contains("99.999%"))
        #expect(text.contains("Requests/sec:       500.00"))
        #expect(!text.contains("Send lag"))
    }

    @Test func histogramLogHasOneLinePerInterval() {
        let log = LoadReport(result: result(rate: nil, intervals: true)).histogramLog()
        let dataLines = log.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("\"") }
        #expect(dataLines.count == 1)
        #expect(dataLines.first?.hasPrefix("0.000,1.000,") == true)
    }
}
