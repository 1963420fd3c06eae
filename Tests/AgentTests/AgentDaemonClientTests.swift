import Foundation
import KBTestSupport
import Testing

@testable import Agent
@testable import Proto

@Suite("AgentDaemon: the http-client role", .serialized)
struct AgentDaemonClientTests {
    /// A client agent prepared against a fresh nginx.
    private func preparedClient(
        _ controller: ScriptedController, nginx: NginxServer, connections: UInt32 = 4
    ) async throws -> (InProcessAgent, String) {
        let (userData, _) = try controller.userData(role: .httpClient)
        let agent = try InProcessAgent(userData)
        var params = Kb_V1_HttpClientParams()
        params.targetURL = nginx.url("/")
        params.connections = connections
        params.threads = 2
        params.timeoutMs = 2000
        params.reportIntervalMs = 1000
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        let ack = try await controller.command(.prepare(prepare), to: userData.agentID)
        #expect(ack.ok, "\(ack.error)")
        try #require(await controller.status(.ready, from: userData.agentID) != nil)
        return (agent, userData.agentID)
    }

    private func start(stage: UInt32, in delay: Duration, durationMs: UInt64) -> (Kb_V1_Command.OneOf_Kind, Int64) {
        var start = Kb_V1_Start()
        start.stage = stage
        let (seconds, attoseconds) = delay.components
        start.startUnixNs = WallClock.nowUnixNs() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        start.durationMs = durationMs
        return (.start(start), start.startUnixNs)
    }

    private func abort(_ agent: InProcessAgent, _ id: String, _ controller: ScriptedController) async throws {
        var abort = Kb_V1_Abort()
        abort.reason = "test over"
        try await controller.command(.abort(abort), to: id)
        #expect(await agent.finished() != nil, "the agent did not end after Abort")
    }

    @Test("a stage starts at T, reports every interval from index 0, and its final report adds up")
    func stageReportsAddUp() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (agent, id) = try await preparedClient(controller, nginx: nginx)
        func status() async throws -> StubStatus {
            let response = await LoopbackHTTP.get(address: "127.0.0.1", port: nginx.port, path: "/nginx_status")
            return try #require(response.flatMap { StubStatus(parsing: String(decoding: $0.body, as: UTF8.self)) })
        }
        let before = try await status()

        let (command, startUnixNs) = start(stage: 1, in: .seconds(1), durationMs: 3000)
        let ack = try await controller.command(command, to: id)
        #expect(ack.ok, "\(ack.error)")
        // Just before T nginx has seen only our own status requests: the agent connected but
        // sent nothing yet.
        let beforeT = Duration.nanoseconds(startUnixNs - WallClock.nowUnixNs()) - .milliseconds(150)
        try await Task.sleep(for: beforeT)
        let atT = try await status()
        #expect(atT.requests - before.requests == 1, "requests before the start time: \(atT.requests - before.requests - 1)")

        let done = try #require(await controller.status(.done, stage: 1, from: id, within: .seconds(10)))
        let statuses = controller.statuses(from: id).filter { $0.stage == 1 }.map(\.state)
        #expect(statuses == [.running, .done])
        let reports = controller.reports(from: id).filter { $0.stage == 1 }
        #expect(reports.map(\.index) == Array(0..<UInt64(reports.count)))
        #expect(reports.count == 3 || reports.count == 4, "\(reports.map { ($0.index, $0.durationNs) })")
        #expect(reports.filter(\.final).count == 1 && reports.last?.final == true)
        let final = try #require(reports.last)
        let stageHistogram = try Histogram(decodingV2: Array(final.stageLatencyHistogram))
        let sum = reports.reduce(UInt64(0)) { $0 + $1.requests }
        #expect(sum > 100)
        #expect(UInt64(stageHistogram.totalCount) == sum)
        #expect(done.detail.contains("\(sum) requests"))
        var merged = Histogram()
        for report in reports where !report.latencyHistogram.isEmpty {
            try merged.add(decodingV2: Array(report.latencyHistogram))
        }
        #expect(merged == stageHistogram)
        #expect(final.stageLatencyMaxUs > 0 && final.stageLatencyMaxUs <= stageHistogram.maxValue)
        #expect(reports.allSatisfy { ($0.statusCodes[200] ?? 0) == $0.requests })
        // Times are on the controller's clock, from T on.
        #expect(abs(reports[0].startUnixNs - startUnixNs) < 50_000_000)
        // About a second each; the margin is for a loaded test machine waking the runner late.
        #expect(reports.dropLast().allSatisfy { abs(Int64($0.durationNs) - 1_000_000_000) < 300_000_000 },
                "\(reports.map(\.durationNs))")
        #expect(reports.contains { $0.cpuUserS + $0.cpuSysS > 0 })
        let after = try await status()
        // nginx also counts requests in flight when the engine stopped, which it never completed.
        let served = after.requests - atT.requests - 1
        #expect(served >= sum && served <= sum + 4)
        try await abort(agent, id, controller)
    }

    @Test("Stop ends the stage early with the final report, and a second stage runs afterwards")
    func stopEndsEarly() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (agent, id) = try await preparedClient(controller, nginx: nginx)
        let clock = ContinuousClock()
        try await controller.command(start(stage: 1, in: .milliseconds(300), durationMs: 0).0, to: id)
        #expect(await controller.status(.running, stage: 1, from: id) != nil)
        try await Task.sleep(for: .milliseconds(1500))
        var stopOther = Kb_V1_Stop()
        stopOther.stage = 7
        #expect(try await controller.command(.stop(stopOther), to: id).ok)  // another stage: ignored
        var stop = Kb_V1_Stop()
        stop.stage = 1
        let stopAt = clock.now
        #expect(try await controller.command(.stop(stop), to: id).ok)
        #expect(await controller.status(.done, stage: 1, from: id, within: .seconds(5)) != nil)
        #expect(clock.now - stopAt < .seconds(3))
        let reports = controller.reports(from: id).filter { $0.stage == 1 }
        #expect(reports.map(\.index) == Array(0..<UInt64(reports.count)))
        #expect(reports.last?.final == true && reports.filter(\.final).count == 1)
        #expect(reports.reduce(0) { $0 + $1.requests } > 0)

        // The engine is made again for the next stage.
        try await controller.command(start(stage: 2, in: .milliseconds(200), durationMs: 1000).0, to: id)
        #expect(await controller.status(.done, stage: 2, from: id) != nil)
        #expect(controller.reports(from: id).filter { $0.stage == 2 && $0.final }.count == 1)
        try await abort(agent, id, controller)
    }

    @Test("a command that arrives twice is acknowledged twice and executed once")
    func duplicatesRunOnce() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (agent, id) = try await preparedClient(controller, nginx: nginx)
        let (kind, _) = start(stage: 1, in: .milliseconds(200), durationMs: 1000)
        let ack = try await controller.command(kind, to: id)
        let seq = ack.commandSeq
        // The same command_seq again, twice, as CommandDelivery re-sends it.
        let copy = Kb_V1_Command.make(topic: id, kind: kind, commandSeq: seq)
        controller.publish(copy)
        controller.publish(copy)
        #expect(await controller.wait { controller.acks(from: id, commandSeq: seq).count >= 3 })
        #expect(controller.acks(from: id, commandSeq: seq).allSatisfy { $0 == ack })
        #expect(await controller.status(.done, stage: 1, from: id) != nil)
        try await Task.sleep(for: .milliseconds(500))
        #expect(controller.statuses(from: id).filter { $0.state == .running }.count == 1)
        #expect(controller.reports(from: id).filter(\.final).count == 1)
        #expect(await agent.daemon.duplicateCommandCount >= 2)
        try await abort(agent, id, controller)
    }

    @Test("random bytes and another run's envelope are counted and dropped; the agent carries on")
    func badFramesAreDropped() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (agent, id) = try await preparedClient(controller, nginx: nginx)
        var random = SystemRandomNumberGenerator()
        let garbage = (0..<200).map { _ in UInt8.random(in: 0...255, using: &random) }
        try controller.link.publish(topic: id, payload: garbage)
        try controller.link.publish(topic: id, payload: [])
        var stray = EnvelopeSequencer(runID: controller.runID + "-old", sender: "controller")
        var stop = Kb_V1_Stop()
        stop.stage = 1
        let wrongRun = stray.frame(.command(.make(topic: id, kind: .stop(stop), commandSeq: 99)), sentUnixNs: 0)
        try controller.link.publish(topic: id, payload: wrongRun)
        let deadline = ContinuousClock.now + .seconds(5)
        var counters = await agent.daemon.wireCounters
        while counters.dropped < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            counters = await agent.daemon.wireCounters
        }
        #expect(counters.wrongRun == 1)
        // The random bytes and the empty frame (a version-0 envelope) are dropped as well.
        #expect(counters.dropped == 3, "\(counters)")
        #expect(controller.acks(from: id, commandSeq: 99).isEmpty)
        // Still alive and obeying.
        try await controller.command(start(stage: 1, in: .milliseconds(100), durationMs: 500).0, to: id)
        #expect(await controller.status(.done, stage: 1, from: id) != nil)
        try await abort(agent, id, controller)
    }

    @Test("a Prepare that cannot work is refused in its Ack and reported FAILED, saying why")
    func badPrepareFails() async throws {
        let controller = try ScriptedController()
        let (userData, _) = try controller.userData(role: .httpClient)
        let agent = try InProcessAgent(userData)
        var params = Kb_V1_HttpClientParams()
        params.targetURL = "http://127.0.0.1:8080/"
        params.connections = 2
        params.threads = 4
        params.reportIntervalMs = 1000
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        let ack = try await controller.command(.prepare(prepare), to: userData.agentID)
        #expect(!ack.ok)
        #expect(ack.error.contains("connections (2) < threads (4)"))
        let failed = try #require(await controller.status(.failed, from: userData.agentID))
        #expect(failed.detail == ack.error)
        let start = try await controller.command(start(stage: 1, in: .zero, durationMs: 100).0, to: userData.agentID)
        #expect(!start.ok && start.error.contains("not prepared"))
        try await abort(agent, userData.agentID, controller)
    }
}
