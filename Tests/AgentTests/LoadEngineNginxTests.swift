import Agent
import Foundation
import KBTestSupport
import Testing

/// The engine API the agent's http-client role uses, against a real nginx.
@Suite("LoadEngine against nginx", .serialized)
struct LoadEngineNginxTests {
    @Test("with a start time, connections open first and no request goes out before it", arguments: [nil, 2000.0])
    func startTimeHoldsRequests(rate: Double?) async throws {
        let nginx = try NginxServer()
        let plan = LoadPlan(host: "127.0.0.1", port: UInt16(nginx.port), connections: 6, threads: 2, rate: rate)
        let engine = try await LoadEngine.create(plan)
        // Wide margins: test suites run in parallel on two cores, and a sleep can overrun.
        let startAt = ContinuousClock.now.advanced(by: .seconds(3))
        try engine.start(at: startAt)
        try await Task.sleep(for: .seconds(1))
        let waiting = engine.snapshot()
        try #require(ContinuousClock.now < startAt, "the machine was too slow to look before the start time")
        #expect(waiting.openConnections == 6)
        #expect(waiting.requests == 0)
        try await Task.sleep(until: startAt.advanced(by: .milliseconds(500)), clock: .continuous)
        // A sleep can overrun on a busy machine: bound the count by the time that really passed.
        let stopAsked = ContinuousClock.now
        await engine.stop()
        let stopped = ContinuousClock.now
        let done = engine.snapshot()
        #expect(done.requests > 0)
        #expect(done.errors.connect + done.errors.read + done.errors.timeout == 0)
        if let rate {
            // The schedule began at the start time, not at connect time: an engine that counted
            // from connect time would owe 2,000 requests more at once (coordinated omission).
            // The lower bound only says the schedule ran; 20 % leaves room for a loaded machine's
            // stalls in 0.5 s (it read 894 of 1,001 once while the harnesses were up).
            let least = rate * ((stopAsked - startAt) / .seconds(1)) * 0.8
            let most = rate * ((stopped - startAt) / .seconds(1)) * 1.1 + 10
            #expect(Double(done.requests) >= least && Double(done.requests) <= most,
                    "\(done.requests) requests, expected \(Int(least))...\(Int(most))")
        }
    }
}
