import Foundation
import KBTestSupport
import Testing

@testable import Agent
@testable import Proto

@Suite("AgentDaemon: kb-agent run as an http-server", .serialized)
struct AgentDaemonServerTests {
    @Test("Prepare starts nginx on the agent's address, reports its counters, and Abort ends both")
    func serverRoleAndAbort() async throws {
        let controller = try ScriptedController()
        let address = "127.0.0.\(Int.random(in: 20...250))"
        let (userData, path) = try controller.userData(role: .httpServer, address: address)
        let id = userData.agentID
        let agent = try KBAgentBinary.start(["run", "--userdata", path])
        let port = try ClosedPort.reserve()

        var params = Kb_V1_HttpServerParams()
        params.port = UInt32(port)
        params.htmlSizeBytes = 1234
        params.expectedConnections = 100
        var prepare = Kb_V1_Prepare()
        prepare.httpServer = params
        let ack = try await controller.command(.prepare(prepare), to: id, within: .seconds(20))
        #expect(ack.ok, "\(ack.error)")
        let ready = await controller.status(.ready, from: id)
        try #require(ready != nil, "no READY; statuses: \(controller.statuses(from: id))")

        let page = try #require(await LoopbackHTTP.get(address: address, port: port, path: "/"))
        #expect(page.status == 200 && page.body.count == 1234)
        let nginxPID = try #require(pid_t(
            try String(contentsOfFile: userData.workDir + "/nginx/nginx.pid", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))

        // Reports with nginx's counters, one a second, indexes without gaps, counting our GET
        // and not the agent's own status polls.
        #expect(await controller.wait(within: .seconds(5)) {
            controller.reports(from: id).contains { $0.hasServer && $0.server.requests == 1 }
        })
        #expect(controller.reports(from: id).allSatisfy { $0.server.requests <= 1 })
        let reports = controller.reports(from: id)
        #expect(reports.allSatisfy { $0.hasServer && $0.stage == 0 })
        #expect(reports.map(\.index) == Array(0..<UInt64(reports.count)))
        #expect(controller.bodies(from: id).contains { if case .heartbeat = $0 { true } else { false } })

        var abort = Kb_V1_Abort()
        abort.reason = "test over"
        #expect(try await controller.command(.abort(abort), to: id).ok)
        let exit = await agent.wait(timeout: 15)
        #expect(!exit.timedOut, "the agent did not exit after Abort: \(exit.stderr)")
        #expect(exit.status == 0, "exit \(exit.status): \(exit.stderr)")
        #expect(kill(nginxPID, 0) == -1 && errno == ESRCH, "nginx \(nginxPID) outlived its agent")
        #expect(await LoopbackHTTP.get(address: address, port: port, path: "/", timeout: .milliseconds(500)) == nil)
        #expect(await controller.status(.done, from: id) != nil)
    }

    @Test("SIGTERM stops a running stage with its final report, and the agent exits 0")
    func sigtermIsGraceful() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (userData, path) = try controller.userData(role: .httpClient)
        let id = userData.agentID
        let agent = try KBAgentBinary.start(["run", "--userdata", path])
        var params = Kb_V1_HttpClientParams()
        params.targetURL = nginx.url("/")
        params.connections = 2
        params.threads = 1
        params.reportIntervalMs = 500
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        #expect(try await controller.command(.prepare(prepare), to: id, within: .seconds(20)).ok)
        #expect(await controller.status(.ready, from: id) != nil)
        var start = Kb_V1_Start()
        start.stage = 1
        start.startUnixNs = WallClock.nowUnixNs()
        start.durationMs = 0
        #expect(try await controller.command(.start(start), to: id).ok)
        #expect(await controller.status(.running, stage: 1, from: id) != nil)
        try await Task.sleep(for: .seconds(1))
        kill(agent.pid, SIGTERM)
        let exit = await agent.wait(timeout: 10)
        #expect(!exit.timedOut, "SIGTERM did not stop the agent: \(exit.stderr)")
        #expect(exit.status == 0, "exit \(exit.status): \(exit.stderr)")
        #expect(controller.reports(from: id).filter { $0.stage == 1 && $0.final }.count == 1)
        #expect(controller.statuses(from: id).contains { $0.state == .done && $0.stage == 1 })
    }
}
