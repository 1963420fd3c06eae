import Foundation
import KBTestSupport
import Testing

@testable import Agent
@testable import Proto

@Suite("AgentDaemon: joining", .serialized)
struct AgentDaemonJoinTests {
    @Test("Hellos every 500 ms until the Welcome, three more 100 ms apart, then joined")
    func joinScheduleCadence() {
        let start = ContinuousClock.now
        var schedule = JoinSchedule(start: start)
        #expect(schedule.next(now: start) == .sendHello)
        #expect(schedule.next(now: start) == .wait(until: start + .milliseconds(500)))
        #expect(schedule.next(now: start + .milliseconds(500)) == .sendHello)
        let welcomeAt = start + .milliseconds(600)
        schedule.welcomed(now: welcomeAt)
        #expect(schedule.isWelcomed)
        var now = welcomeAt
        var confirmations = 0
        while true {
            let action = schedule.next(now: now)
            if action == .joined { break }
            if action == .sendHello { confirmations += 1 } else { now = now + .milliseconds(100) }
            #expect(confirmations <= 3)
        }
        #expect(confirmations == 3)
        #expect(now - welcomeAt >= .milliseconds(400))  // the third Hello's Welcome has time to arrive
    }

    @Test("without a Welcome the schedule gives up after the timeout, not before")
    func joinScheduleGivesUp() {
        let start = ContinuousClock.now
        var schedule = JoinSchedule(start: start, giveUpAfter: .seconds(60))
        var hellos = 0
        var now = start
        while now < start + .seconds(59) {
            if schedule.next(now: now) == .sendHello { hellos += 1 }
            now = now + .milliseconds(250)
        }
        #expect(hellos == 118)
        #expect(schedule.next(now: start + .seconds(60)) == .giveUp)
    }

    @Test("the agent says Hello, takes the Welcome's clock offset and is READY only after Prepare")
    func joinsAndWaitsForPrepare() async throws {
        let nginx = try NginxServer()
        let controller = try ScriptedController()
        let (userData, _) = try controller.userData(role: .httpClient)
        let agent = try InProcessAgent(userData)
        let id = userData.agentID

        let hello = try #require(await controller.first(within: .seconds(10)) {
            controller.bodies(from: id).compactMap { if case .hello(let hello) = $0 { return hello } else { return nil } }.first
        })
        #expect(hello.agentID == id)
        #expect(hello.role == "http-client")
        #expect(hello.address == "127.0.0.1")
        #expect(hello.pid == UInt32(getpid()))
        #expect(abs(hello.helloUnixNs - WallClock.nowUnixNs()) < 10_000_000_000)

        // Welcomed, then three more Hellos for a better offset; then heartbeats.
        #expect(await controller.wait { controller.bodies(from: id).filter { if case .hello = $0 { true } else { false } }.count >= 4 })
        #expect(await controller.wait { controller.bodies(from: id).contains { if case .heartbeat = $0 { true } else { false } } })
        #expect(await agent.daemon.isWelcomed)
        let offset = try #require(await agent.daemon.clockOffset)
        // One host, one clock: the offset is within the round trip, which is small on loopback.
        #expect(abs(offset.offsetNanoseconds) <= max(offset.roundTripNanoseconds, 5_000_000))
        #expect(offset.roundTripNanoseconds < 500_000_000)
        #expect(controller.statuses(from: id).isEmpty, "no status before a command: \(controller.statuses(from: id))")

        var params = Kb_V1_HttpClientParams()
        params.targetURL = nginx.url("/")
        params.connections = 2
        params.threads = 1
        params.reportIntervalMs = 1000
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        let ack = try await controller.command(.prepare(prepare), to: id)
        #expect(ack.ok, "\(ack.error)")
        #expect(await controller.status(.ready, from: id) != nil)
        #expect(controller.statuses(from: id).map(\.state) == [.preparing, .ready])

        var abort = Kb_V1_Abort()
        abort.reason = "test over"
        try await controller.command(.abort(abort), to: id)
        let result = try #require(await agent.finished())
        #expect((try? result.get()) != nil)
    }

    @Test("an agent whose controller never answers gives up with a message, not silently")
    func givesUpWithoutWelcome() async throws {
        let controller = try ScriptedController()
        let (userData, _) = try controller.userData(role: .httpClient)
        controller.link.close()  // nobody answers
        var options = AgentDaemon.Options()
        options.joinTimeout = .seconds(1)
        let agent = try InProcessAgent(userData, options: options)
        let result = try #require(await agent.finished(within: .seconds(10)))
        guard case .failure(let error) = result else {
            Issue.record("run() returned without a Welcome")
            return
        }
        #expect("\(error)".contains("no Welcome"))
        #expect("\(error)".contains(userData.routerEndpoint))
    }
}
