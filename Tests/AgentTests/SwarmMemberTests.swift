@testable import Agent
import Foundation
import Proto
import Testing

/// One swarm member's protocol, without sockets: what the controller relies on from any agent.
@Suite("SwarmMember")
struct SwarmMemberTests {
    static let runID = "kb-20261203-1200-ab12"
    static let samples = SwarmSamples(samples: 300, count: 4)

    static func userData(_ role: AgentRole, _ number: Int) throws -> UserData {
        let keys = try CurveKeyPair.generate()
        let server = try CurveKeyPair.generate()
        var fields = UserData.Fields()
        fields.runID = runID
        fields.agentID = "\(runID)-\(role == .httpServer ? "srv" : "cli")-\(number)"
        fields.role = role.rawValue
        fields.address = "127.1.0.\(2 + number)"
        fields.controller = .init(pubEndpoint: "tcp://127.0.0.1:1", routerEndpoint: "tcp://127.0.0.1:2", serverPublicKey: server.publicKey)
        fields.keys = .init(publicKey: keys.publicKey, secretKey: keys.secretKey)
        fields.workDir = "/tmp"
        return try UserData(fields, source: "test")
    }

    static func frame(_ body: Kb_V1_Envelope.OneOf_Body, seq: UInt64 = 1) -> AgentFrame {
        .direct(payload: WireCodec.encode(.make(runID: runID, sender: Kb_V1_Envelope.controllerSender, seq: seq, body: body)))
    }

    static func command(_ seq: UInt64, topic: String, _ kind: Kb_V1_Command.OneOf_Kind) -> AgentFrame {
        frame(.command(.make(topic: topic, kind: kind, commandSeq: seq)), seq: seq)
    }

    @Test("a command runs once and every copy is acknowledged; a Prepare is answered READY")
    func commandsOnce() throws {
        let now = ContinuousClock.now
        var member = SwarmMember(userData: try Self.userData(.httpClient, 0), now: now)
        var params = Kb_V1_HttpClientParams()
        params.reportIntervalMs = 1_000
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        let first = member.frame(Self.command(7, topic: member.userData.agentID, .prepare(prepare)), now: now, samples: Self.samples)
        #expect(first.count == 2)
        guard case .ack(let ack) = first[0], case .agentStatus(let status) = first[1] else { Issue.record("\(first)"); return }
        #expect(ack.commandSeq == 7 && ack.ok && status.state == .ready)
        let again = member.frame(Self.command(7, topic: member.userData.agentID, .prepare(prepare)), now: now, samples: Self.samples)
        #expect(again.count == 1)
        // Another agent's topic (SUB matches prefixes) is neither executed nor acknowledged.
        #expect(member.frame(Self.command(8, topic: member.userData.agentID + "1", .prepare(prepare)), now: now, samples: Self.samples).isEmpty)
    }

    @Test("a 3 s stage gives reports 0, 1 and a final 2 on the controller's clock, whose stage histogram is their sum")
    func stageReports() throws {
        let t0 = ContinuousClock.now
        var member = SwarmMember(userData: try Self.userData(.httpClient, 3), now: t0)
        var params = Kb_V1_HttpClientParams()
        params.reportIntervalMs = 1_000
        params.rateLimit = 100
        var prepare = Kb_V1_Prepare()
        prepare.httpClient = params
        _ = member.frame(Self.command(1, topic: "http-client", .prepare(prepare)), now: t0, samples: Self.samples)
        var start = Kb_V1_Start()
        start.stage = 1
        start.startUnixNs = WallClock.nowUnixNs()
        start.durationMs = 3_000
        _ = member.frame(Self.command(2, topic: "http-client", .start(start)), now: t0, samples: Self.samples)
        var reports: [Kb_V1_IntervalReport] = []
        var statuses: [Kb_V1_AgentStatus.State] = []
        for step in 0...40 {
            for body in member.tick(now: t0.advanced(by: .milliseconds(100 * step)), samples: Self.samples) {
                if case .intervalReport(let report) = body { reports.append(report) }
                if case .agentStatus(let status) = body { statuses.append(status.state) }
            }
        }
        #expect(statuses == [.running, .done])
        #expect(reports.map(\.index) == [0, 1, 2])
        #expect(reports.map(\.final) == [false, false, true])
        #expect(reports.allSatisfy { $0.requests == 300 && !$0.lagHistogram.isEmpty })
        #expect(reports[1].startUnixNs - reports[0].startUnixNs == 1_000_000_000)
        var sum = Histogram()
        for report in reports { try sum.add(decodingV2: Array(report.latencyHistogram)) }
        var stage = Histogram()
        try stage.add(decodingV2: Array(reports[2].stageLatencyHistogram))
        #expect(stage == sum && stage.totalCount == 900)
    }

    @Test("the samples are valid V2 histograms of the asked size, with a latency tail")
    func samples() throws {
        for variant in Self.samples.variants {
            var latency = Histogram()
            try latency.add(decodingV2: variant.latency)
            #expect(latency.totalCount == 300)
            #expect(latency.maxValue == variant.latencyMax)
            #expect(latency.value(atPercentile: 50) < latency.value(atPercentile: 99))
        }
    }
}
