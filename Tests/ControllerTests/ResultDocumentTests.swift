@testable import Controller
import Foundation
import Proto
import Testing

@Suite("ResultDocument: KloudBuster's kb_result shape and the extensions")
struct ResultDocumentTests {
    private func stage() -> StageResult {
        var result = StageResult(
            stage: 1, description: "2 client VM(s), 2 server VM(s)", activeClients: 2, totalServers: 2,
            connectionsPerClient: 100, rateLimitPerClient: 500, seconds: 10)
        for value in 1...10_000 { result.latency.record(Int64(value)) }
        var errors = ErrorTally()
        errors.connect = 2
        errors.read = 1
        errors.timeout = 4
        errors.status = 3
        result.count(requests: 10_000, bytesRead: 10_240_000, errors: errors, statusCodes: [200: 9_997, 503: 3], maxUs: 10_000)
        return result
    }

    private func document() -> ResultDocument {
        ResultDocument(
            runID: "kb-20261122-0836-ab12", cloud: "local", label: "t", startedAt: Date(), status: "done", detail: nil,
            stages: [stage()], intervals: [], agents: [
                AgentSummary(id: "c0", role: "http-client", address: "127.2.0.2", status: "lost", joined: true, lost: true, requests: 5, errors: 0, detail: "silent"),
            ])
    }

    @Test("the document has KloudBuster's keys, and every kb_result entry the exact key names")
    func keys() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: document().jsonData()) as? [String: Any])
        for key in ["time", "test_mode", "version", "kb_result", "run_id", "cloud", "errors", "status_codes", "histogram", "intervals", "agents"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["test_mode"] as? String == "http")
        let entries = try #require(object["kb_result"] as? [[String: Any]])
        let entry = try #require(entries.first)
        for key in ["description", "http_rps", "http_total_req", "http_sock_err", "http_sock_timeout", "http_throughput_kbytes",
                    "http_rate_limit", "total_connections", "total_client_vms", "total_server_vms", "latency_stats"] {
            #expect(entry[key] != nil, "missing kb_result key \(key)")
        }
        #expect(entry["http_total_req"] as? Int == 10_000)
        #expect(entry["http_rps"] as? Double == 1_000)
        #expect(entry["http_sock_err"] as? Int == 3)  // connect + read (+ write, parse)
        #expect(entry["http_sock_timeout"] as? Int == 4)
        #expect(entry["http_throughput_kbytes"] as? Double == 1_000)
        #expect(entry["http_rate_limit"] as? Int == 1_000)
        #expect(entry["total_connections"] as? Int == 200)
        #expect(entry["total_client_vms"] as? Int == 2)
        #expect((object["status_codes"] as? [String: Int])?["503"] == 3)
        #expect((object["errors"] as? [String: Int])?["status"] == 3)
        let agents = try #require(object["agents"] as? [[String: Any]])
        #expect(agents.first?["status"] as? String == "lost")
    }

    @Test("latency_stats are [percentile, µs] pairs computed from the merged histogram")
    func latencyStats() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: document().jsonData()) as? [String: Any])
        let entry = try #require((object["kb_result"] as? [[String: Any]])?.first)
        let pairs = try #require(entry["latency_stats"] as? [[Double]])
        #expect(pairs.map { $0[0] } == [50, 75, 90, 99, 99.9, 99.99, 99.999])
        let histogram = stage().latency
        for pair in pairs {
            #expect(pair.count == 2)
            #expect(Int64(pair[1]) == histogram.value(atPercentile: pair[0]))
        }
        // 1...10000 µs uniformly: the median is 5000 within the 3-digit bucket width.
        #expect(abs(pairs[0][1] - 5_000) <= 5)
    }

    @Test("the JSON histogram decodes to the merged total")
    func histogramRoundTrip() throws {
        let text = try document().jsonData()
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: text)
        let histogram = try Histogram(decodingV2Base64: decoded.histogram)
        #expect(histogram.totalCount == 10_000)
        #expect(histogram == stage().latency)
    }
}
