@testable import Controller
import Proto
import Testing

@Suite("AgentRoster and StagePlan: joining, liveness with a stepped clock, progression stages")
struct RunAgentRosterTests {
    let t0 = ContinuousClock.now

    private func roster() -> AgentRoster {
        AgentRoster(
            agents: [("s0", .httpServer, "key-s0"), ("c0", .httpClient, "key-c0"), ("c1", .httpClient, "key-c1")],
            silenceLimit: .seconds(3))
    }

    @Test("an agent joins at its first Hello; duplicates and unknown keys change nothing")
    func join() {
        var roster = roster()
        #expect(roster.agentID(forKey: "key-c0") == "c0")
        #expect(roster.agentID(forKey: "stranger") == nil)
        #expect(roster.hello(from: "c0", at: t0) == [.joined(agentID: "c0")])
        #expect(roster.hello(from: "c0", at: t0 + .milliseconds(500)) == [])
        #expect(roster.joinedCount == 1)
        #expect(roster.notJoined() == ["s0", "c1"])
        #expect(roster.status(from: "c0", .ready, stage: 0, detail: "", at: t0) == [.ready(agentID: "c0")])
        #expect(roster.phase(of: "c0") == .ready)
    }

    @Test("a joined agent silent for more than 3 intervals is lost for good; staged ones are not")
    func liveness() {
        var roster = roster()
        _ = roster.hello(from: "c0", at: t0)
        _ = roster.hello(from: "c1", at: t0)
        roster.heard(from: "c1", at: t0 + .seconds(2))
        #expect(roster.tick(now: t0 + .seconds(3)) == [])
        let events = roster.tick(now: t0 + .milliseconds(3_001))
        #expect(events.count == 1)
        #expect(events.first.map { if case .lost("c0", _) = $0 { true } else { false } } == true)
        #expect(roster.phase(of: "s0") == .staged)  // never joined: the join timeout handles it
        // A lost agent stays lost whatever it sends later.
        #expect(roster.hello(from: "c0", at: t0 + .seconds(4)) == [])
        _ = roster.status(from: "c0", .ready, stage: 0, detail: "", at: t0 + .seconds(4))
        #expect(roster.phase(of: "c0")?.isGone == true)
        #expect(roster.live(role: .httpClient) == ["c1"])
        #expect(roster.tick(now: t0 + .milliseconds(5_001)).count == 1)  // c1 now
    }

    @Test("progression stages follow KloudBuster's steps; without progression one stage has every client")
    func stages() throws {
        let yaml = "client:\n  progression:\n    enabled: true\n    vm_start: 1\n    vm_multiple: 2\n    http_stop_limit: [10, 99]\n"
        let configuration = try ConfigurationLoader().load(sources: [ConfigurationSource(name: "p.yaml", text: yaml)])
        let plan = StagePlan(progression: configuration.client.progression, timeout: .seconds(5), totalClients: 7)
        #expect(plan.stages.map(\.clients) == [1, 2, 4, 6, 7])
        #expect(plan.stages.map(\.number) == [1, 2, 3, 4, 5])
        let limit = try #require(plan.stopLimit)
        #expect(limit.reason(socketErrors: 10) { _ in 1_000 } == nil)
        #expect(limit.reason(socketErrors: 11) { _ in 1_000 } != nil)
        #expect(limit.reason(socketErrors: 0) { _ in 5_000_000 }?.contains("p99") == true)
        let single = StagePlan(progression: try ConfigurationLoader().load(sources: []).client.progression, timeout: .seconds(5), totalClients: 7)
        #expect(single.stages.map(\.clients) == [7])
        #expect(single.stopLimit == nil)
    }
}
