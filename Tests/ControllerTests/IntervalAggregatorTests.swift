import Controller
import Proto
import Testing

@Suite("IntervalAggregator: agents' interval reports merged losslessly")
struct IntervalAggregatorTests {
    /// Records `values` and returns the histogram and its V2 encoding.
    private func encoded(_ values: [Int64]) -> (Histogram, [UInt8]) {
        var histogram = Histogram()
        for value in values { histogram.record(value) }
        return (histogram, histogram.encodedV2())
    }

    private func report(_ agent: String, group: String, index: Int, values: [Int64], status: UInt64 = 0) -> AgentInterval {
        var errors = ErrorTally()
        errors.status = status
        return AgentInterval(
            agentID: agent, group: group, index: index, requests: UInt64(values.count), bytesRead: UInt64(values.count) * 100,
            errors: errors, statusCodes: [200: UInt64(values.count) - status, 500: status],
            latencyHistogram: encoded(values).1, latencyMaxMicroseconds: values.max() ?? 0)
    }

    @Test("an interval's merged histogram is exactly the histogram of every agent's samples together")
    func mergeIsLossless() throws {
        let aggregator = IntervalAggregator()
        var all = Histogram()
        var requests: UInt64 = 0
        var largest: Int64 = 0
        for agent in 0..<20 {
            let values = (0..<(100 + agent * 37)).map { Int64(50 + ($0 * 7919 + agent * 104_729) % 90_000) }
            for value in values { all.record(value) }
            largest = max(largest, values.max() ?? 0)
            requests += UInt64(values.count)
            aggregator.add(report("a\(agent)", group: "g\(agent % 3)", index: 0, values: values))
        }
        let merged = try #require(aggregator.interval(0))
        #expect(merged.latency == all)
        #expect(merged.latency.totalCount == Int64(requests))
        #expect(merged.requests == requests)
        #expect(merged.agents.count == 20)
        #expect(merged.latencyMaxMicroseconds == largest)
    }

    @Test("counters, status codes and errors add up per interval and per group")
    func countersAddUp() throws {
        let aggregator = IntervalAggregator()
        aggregator.add(report("a", group: "g1", index: 0, values: [100, 200, 300], status: 1))
        aggregator.add(report("b", group: "g1", index: 0, values: [400], status: 0))
        aggregator.add(report("a", group: "g1", index: 1, values: [500, 600], status: 2))
        aggregator.add(report("c", group: "g2", index: 1, values: [700], status: 0))
        let first = try #require(aggregator.interval(0))
        #expect(first.requests == 4)
        #expect(first.errors.status == 1)
        #expect(first.statusCodes == [200: 3, 500: 1])
        #expect(first.latencyMaxMicroseconds == 400)
        let g1 = try #require(aggregator.groups["g1"])
        #expect(g1.requests == 6)
        #expect(g1.errors.status == 3)
        #expect(g1.agents == ["a", "b"])
        #expect(aggregator.groups["g2"]?.requests == 1)
    }

    @Test("a report whose histogram does not decode is counted and changes nothing")
    func malformedReportIsRejected() throws {
        let aggregator = IntervalAggregator()
        aggregator.add(report("a", group: "g", index: 0, values: [100, 200]))
        var bad = report("b", group: "g", index: 0, values: [300])
        bad.latencyHistogram = Array(bad.latencyHistogram.prefix(12))
        aggregator.add(bad)
        let merged = try #require(aggregator.interval(0))
        #expect(aggregator.rejected == 1)
        #expect(merged.requests == 2)
        #expect(merged.latency.totalCount == 2)
        #expect(!merged.agents.contains("b"))
    }

    @Test("the merge equals decoding each report and adding it, whatever malformed reports come in between")
    func mergeMatchesReferenceDespiteMalformedReports() throws {
        let aggregator = IntervalAggregator()
        var reference = Histogram()
        var requests: UInt64 = 0
        // Past the 23,552 counts: 23,552 zeros (ZigZag of -23,552 is 47,103), then a count of 1.
        let pastTheEnd: [UInt8] = [0x1c, 0x84, 0x93, 0x13, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3]
            + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0, 0xd6, 0x93, 0xa4, 0x00] + [0x3f, 0xf0, 0, 0, 0, 0, 0, 0]
            + [0xff, 0xef, 0x02, 0x02]
        for agent in 0..<60 {
            // Counts from 1 to a few hundred per bucket, spread from 1 µs to minutes.
            let values = (0..<(50 + agent * 131)).map { Int64(1 + ($0 * 7919 + agent * 104_729) % (agent % 2 == 0 ? 3_000 : 90_000_000)) }
            let good = report("a\(agent)", group: "g\(agent % 4)", index: 0, values: values)
            aggregator.add(good)
            try reference.add(Histogram(decodingV2: good.latencyHistogram))
            requests += good.requests
            var bad = report("bad\(agent)", group: "g0", index: 0, values: values)
            switch agent % 4 {
            case 0: bad.latencyHistogram.removeLast(1 + agent % 9)
            case 1: for offset in 10..<min(20, bad.latencyHistogram.count) { bad.latencyHistogram[offset] = 0xff }
            case 2: bad.latencyHistogram[2] = 0x00
            default: bad.latencyHistogram = pastTheEnd
            }
            aggregator.add(bad)
        }
        let merged = try #require(aggregator.interval(0))
        #expect(aggregator.rejected == 60)
        #expect(merged.latency == reference)
        #expect(merged.latency.totalCount == reference.totalCount && merged.latency.totalCount == Int64(requests))
        #expect(merged.latency.minValue == reference.minValue && merged.latency.maxValue == reference.maxValue)
        #expect(merged.requests == requests)
        #expect(merged.agents.count == 60 && !merged.agents.contains("bad0"))
        // Interval reports feed a group's counters, never its latency (that is the stage histograms').
        #expect(aggregator.groups["g1"]?.requests ?? 0 > 0)
        #expect(aggregator.groups["g1"]?.latency.isEmpty == true)
    }

    @Test("stage histograms from final reports give each group its own latency")
    func groupLatencyFromStageHistograms() throws {
        let aggregator = IntervalAggregator()
        let (fast, fastBytes) = encoded([100, 110, 120])
        let (slow, slowBytes) = encoded([9_000, 9_500])
        #expect(aggregator.addStage(group: "fast", latencyHistogram: fastBytes))
        #expect(aggregator.addStage(group: "slow", latencyHistogram: slowBytes))
        #expect(!aggregator.addStage(group: "slow", latencyHistogram: [1, 2, 3]))
        #expect(aggregator.groups["fast"]?.latency == fast)
        #expect(aggregator.groups["slow"]?.latency == slow)
        #expect(aggregator.rejected == 1)
    }

    @Test("closing hands over finished intervals oldest first, once")
    func closeOrdersAndRemoves() {
        let aggregator = IntervalAggregator()
        for index in [3, 1, 2, 0] { aggregator.add(report("a", group: "g", index: index, values: [Int64(100 + index)])) }
        #expect(aggregator.close(through: 2).map(\.index) == [0, 1, 2])
        #expect(aggregator.close(through: 2).isEmpty)
        #expect(aggregator.interval(3) != nil)
    }
}
