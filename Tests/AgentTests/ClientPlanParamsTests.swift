@testable import Agent
import Proto
import Testing

/// The controller's HttpClientParams as the agent turns them into an engine plan: the send window.
@Suite("ClientPlan from HttpClientParams")
struct ClientPlanParamsTests {
    static func params(rate: Double = 1_000, windowUs: UInt64 = 0) -> Kb_V1_HttpClientParams {
        var params = Kb_V1_HttpClientParams()
        params.targetURL = "http://127.0.0.1:8080/"
        params.connections = 10
        params.threads = 1
        params.rateLimit = rate
        params.timeoutMs = 2_000
        params.reportIntervalMs = 1_000
        params.sendWindowUs = windowUs
        return params
    }

    @Test("send_window_us becomes the engine plan's send window; 0 keeps each request at its own time")
    func windowReachesThePlan() throws {
        #expect(try AgentDaemon.ClientPlan.make(Self.params(windowUs: 1_000)).get().plan.sendWindow == .milliseconds(1))
        #expect(try AgentDaemon.ClientPlan.make(Self.params()).get().plan.sendWindow == .zero)
    }

    @Test("a window above 1 s, or without a rate, is refused with the field's name", arguments: [
        (1_000.0, UInt64(2_000_000), "http_client.send_window_us 2000000 is more than 1 s"),
        (0.0, UInt64(1_000), "http_client.send_window_us 1000 without a rate_limit"),
    ])
    func badWindow(rate: Double, windowUs: UInt64, expected: String) {
        guard case .failure(let problem) = AgentDaemon.ClientPlan.make(Self.params(rate: rate, windowUs: windowUs)) else {
            Issue.record("accepted")
            return
        }
        #expect(problem.description.hasPrefix(expected), "\(problem)")
    }
}
