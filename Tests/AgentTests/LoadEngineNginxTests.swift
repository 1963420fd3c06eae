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
        await engine.stop()
        let done = engine.snapshot()
        #expect(done.requests > 0)
        #expect(done.errors.connect + done.errors.read + done.errors.timeout == 0)
        if rate != nil {
            // 500 ms at 2,000/s: the schedule began at the start time, not at connect time.
            #expect(done.requests >= 900 && done.requests <= 1100)
        }
    }
}
