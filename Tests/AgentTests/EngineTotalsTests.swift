import Agent
import Proto
import Testing

@Suite struct EngineTotalsTests {
    private func totals(requests: UInt64, timeouts: UInt64, codes: [Int: UInt64], latencies: [Int64]) -> EngineTotals {
        var totals = EngineTotals()
        totals.requests = requests
        totals.bytesRead = requests * 100
        totals.errors.timeout = timeouts
        totals.statusCodes = codes
        for value in latencies { totals.latency.record(value) }
        totals.openConnections = 7
        return totals
    }

    @Test func intervalIsTheDifferenceOfCumulativeSnapshots() throws {
        let earlier = totals(requests: 10, timeouts: 1, codes: [200: 10], latencies: [100, 200])
        let later = totals(requests: 25, timeouts: 4, codes: [200: 20, 503: 5], latencies: [100, 200, 5_000, 7_000])
        let delta = try later.subtracting(earlier)
        #expect(delta.requests == 15)
        #expect(delta.bytesRead == 1_500)
        #expect(delta.errors.timeout == 3)
        #expect(delta.errors.total == 3)
        #expect(delta.statusCodes == [200: 10, 503: 5])
        #expect(delta.latency.totalCount == 2)
        #expect(delta.latency.minValue >= 4_990 && delta.latency.minValue <= 5_000)
        #expect(delta.latencyMax >= 7_000 && delta.latencyMax <= 7_010)
        #expect(delta.openConnections == 7)
    }

    @Test func unchangedCodesAreLeftOut() throws {
        let same = totals(requests: 3, timeouts: 0, codes: [200: 3], latencies: [1])
        let delta = try same.subtracting(same)
        #expect(delta.statusCodes.isEmpty)
        #expect(delta.latencyMin == nil)
        #expect(delta.latency.totalCount == 0)
    }
}
