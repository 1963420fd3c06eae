import Agent
import Testing

/// The exit status says whether the numbers can be trusted, and the line on stderr says why.
@Suite struct LoadVerdictTests {
    private func result(
        requests: UInt64, statusErrors: UInt64 = 0, connectErrors: UInt64 = 0,
        rate: Double? = nil, lagMicroseconds: Int64? = nil, duration: Double = 2
    ) -> LoadResult {
        var totals = EngineTotals()
        totals.requests = requests
        totals.errors.status = statusErrors
        totals.errors.connect = connectErrors
        if connectErrors > 0 { totals.errorReasons.connect = "connection refused" }
        for _ in 0..<100 { totals.latency.record(500) }
        if let lagMicroseconds { for _ in 0..<100 { totals.lag.record(lagMicroseconds) } }
        let plan = LoadPlan(host: "127.0.0.1", port: 8080, connections: 10, threads: 2, rate: rate)
        return LoadResult(
            plan: plan, duration: duration, cpu: CPUTime(user: 0, system: 0), totals: totals,
            intervals: [], startTime: 0, interrupted: false)
    }

    @Test func aRunWithSuccessfulResponsesAndNoRateStands() {
        let verdict = LoadVerdict(result: result(requests: 1_000, statusErrors: 10, connectErrors: 3))
        #expect(verdict == .trustworthy)
        #expect(verdict.exitStatus == 0)
        #expect(verdict.message == nil)
    }

    @Test func noSuccessfulResponseExits1WithTheReason() throws {
        let verdict = LoadVerdict(result: result(requests: 0, connectErrors: 30))
        #expect(verdict.exitStatus == 1)
        let message = try #require(verdict.message)
        #expect(message.contains("every request failed"), "\(message)")
        #expect(message.contains("connect errors: 30 (connection refused)"), "\(message)")
    }

    @Test func responsesThatAllFailedTheirStatusCountAsFailures() {
        #expect(LoadVerdict(result: result(requests: 50, statusErrors: 50)).exitStatus == 1)
    }

    @Test func aRateKeptWithinFivePercentStands() {
        // 1,900 in 2 s is 950 req/s: exactly 5 % below 1,000.
        #expect(LoadVerdict(result: result(requests: 1_900, rate: 1_000, lagMicroseconds: 200)) == .trustworthy)
    }

    @Test func aMissedRateWithHighLagSaysTheClientIsSaturated() throws {
        let verdict = LoadVerdict(result: result(requests: 128_000, rate: 1_000_000, lagMicroseconds: 900_000))
        #expect(verdict.exitStatus == 3)
        let message = try #require(verdict.message)
        #expect(message.contains("target rate 1,000,000 req/s not reached: 64,000 req/s (6 %)"), "\(message)")
        #expect(message.contains("the client is saturated (engine lag p99 9"), "\(message)")
    }

    @Test func aMissedRateWithoutLagBlamesTheTargetOrTheConnections() throws {
        let verdict = LoadVerdict(result: result(requests: 1_000, rate: 1_000, lagMicroseconds: 100))
        #expect(verdict.exitStatus == 3)
        let message = try #require(verdict.message)
        #expect(message.contains("500 req/s (50 %)"), "\(message)")
        #expect(message.contains("--connections"), "\(message)")
        #expect(!message.contains("saturated"), "\(message)")
    }

    @Test func aKeptRateWithHighLagIsStillNotTrustworthy() throws {
        let verdict = LoadVerdict(result: result(requests: 2_000, rate: 1_000, lagMicroseconds: 200_000))
        #expect(verdict.exitStatus == 3)
        #expect(try #require(verdict.message).contains("saturated"))
    }
}
