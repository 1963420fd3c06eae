@testable import Controller
import Foundation
import Proto
import Testing

@Suite("GroupIntervals: the live view's per-group breakdown of each interval")
struct GroupIntervalsTests {
    private func report(_ agent: String, group: String, index: Int, values: [Int64], timeouts: UInt64 = 0) -> AgentInterval {
        var histogram = Histogram()
        for value in values { histogram.record(value) }
        var errors = ErrorTally()
        errors.timeout = timeouts
        return AgentInterval(
            agentID: agent, group: group, index: index, requests: UInt64(values.count), bytesRead: 0, errors: errors,
            latencyHistogram: histogram.encodedV2(), latencyMaxMicroseconds: values.max() ?? 0)
    }

    @Test("each group's counters and percentiles are those of its own clients' reports, and the groups add up to the interval")
    func perGroup() throws {
        let breakdown = GroupIntervals(groups: 3, clients: 9)
        let aggregator = IntervalAggregator()
        var own: [String: Histogram] = [:]
        for agent in 0..<9 {
            let group = "tenant-\(agent % 3 + 1)"
            // Each group its own latency range, so a mixed-up merge shows in the percentiles.
            let values = (0..<(200 + agent * 13)).map { Int64(1_000 * (agent % 3 + 1) + ($0 * 7_919) % 500) }
            let interval = report("c\(agent)", group: group, index: 0, values: values, timeouts: UInt64(agent % 2))
            breakdown.add(interval)
            aggregator.add(interval)
            for value in values { own[group, default: Histogram()].record(value) }
        }
        breakdown.add(report("c0", group: "tenant-1", index: 1, values: [5]))
        let groups = breakdown.close(0, seconds: 2)
        #expect(groups.map(\.group) == ["tenant-1", "tenant-2", "tenant-3"])
        let merged = try #require(aggregator.interval(0))
        #expect(groups.reduce(0) { $0 + $1.requests } == merged.requests)
        #expect(groups.reduce(0) { $0 + $1.agents } == merged.agents.count)
        #expect(groups.reduce(0) { $0 + $1.errors.timeout } == merged.errors.timeout)
        for summary in groups {
            let histogram = try #require(own[summary.group])
            #expect(summary.requests == UInt64(histogram.totalCount))
            #expect(summary.requestsPerSecond == Double(histogram.totalCount) / 2)
            #expect(summary.p50Us == histogram.value(atPercentile: 50))
            #expect(summary.p99Us == histogram.value(atPercentile: 99))
            #expect(summary.p999Us == histogram.value(atPercentile: 99.9))
        }
        // Closing takes the interval away; the next one is still open.
        #expect(breakdown.close(0, seconds: 1).isEmpty)
        #expect(breakdown.close(1, seconds: 1).map(\.requests) == [1])
    }

    @Test("past 16 groups or 2,000 clients only the counters are kept (each report is decoded once)")
    func largeRunsKeepCounters() throws {
        #expect(GroupIntervals(groups: 16, clients: 2_000).keepsLatency)
        #expect(!GroupIntervals(groups: 17, clients: 20).keepsLatency)
        #expect(!GroupIntervals(groups: 2, clients: 2_001).keepsLatency)
        let breakdown = GroupIntervals(groups: 40, clients: 40)
        breakdown.add(report("a", group: "tenant-1", index: 0, values: [100, 200]))
        let only = try #require(breakdown.close(0, seconds: 1).first)
        #expect(only.requests == 2 && only.p50Us == nil && only.maxUs == 200)
        let json = String(decoding: try JSONEncoder().encode(only), as: UTF8.self)
        #expect(!json.contains("p50_us"), "\(json)")
        #expect(!GroupIntervals.isUseful(groups: 1))
    }

    @Test("a stored interval has no groups key; an event's does")
    func storedWithoutGroups() throws {
        var summary = IntervalSummary(
            stage: 1, index: 0, startUnixNs: 0, durationSeconds: 1, agents: 1, requests: 1, bytesRead: 0, requestsPerSecond: 1,
            megabytesPerSecond: 0, p50Us: 1, p99Us: 1, p999Us: 1, maxUs: 1, errors: ErrorTally())
        #expect(!String(decoding: try JSONEncoder().encode(summary), as: UTF8.self).contains("groups"))
        summary.groups = []
        #expect(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self).contains("\"groups\":[]"))
    }
}
