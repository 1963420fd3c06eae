@testable import Controller
import Foundation
import Proto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A scripted stand-in for `kb-agent run`, played inside the test process over a real
/// `AgentLink`: it joins, acknowledges, answers Prepare with READY and, as a client, sends
/// IntervalReports with real V2 histograms. It exists because the real agent daemon
/// (Sources/Agent/Daemon) was being written at the same time as the controller; the protocol
/// steps follow docs/run-protocol.md. `silentAfterFirstReport` plays a client SIGKILLed mid-run.
final class RunFakeAgent: Sendable {
    /// What all fake agents of a test sent, to compare with what the controller merged.
    final class Ledgerbook: Sendable {
        let requests = Mutex<UInt64>(0)
        let latencies = Mutex(Histogram())
        let lags = Mutex(Histogram())
    }

    let userData: AgentUserData
    let link: AgentLink
    let book: Ledgerbook
    let silentAfterFirstReport: Bool
    /// Sends its final report late, after the controller closed that interval.
    let delayFinalReport: Bool
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let sequencer: Mutex<EnvelopeSequencer>
    private let silent = Mutex(false)
    private let welcomed = Mutex(false)

    /// Hands its interval reports to this relay instead of sending them (clients).
    let relay: RunFakeRelay?
    /// What to spoil in its reports: (interval, which histogram) pairs.
    let spoil: Set<Spoiled>

    /// A histogram of one interval report made undecodable (truncated).
    struct Spoiled: Hashable, Sendable {
        let index: Int
        let histogram: Histogram
        enum Histogram: Hashable, Sendable { case latency, lag }
    }

    init(
        _ userData: AgentUserData, book: Ledgerbook, silentAfterFirstReport: Bool, delayFinalReport: Bool = false,
        relay: RunFakeRelay? = nil, spoil: Set<Spoiled> = []
    ) throws {
        self.relay = relay
        self.spoil = spoil
        self.userData = userData
        self.book = book
        self.silentAfterFirstReport = silentAfterFirstReport
        self.delayFinalReport = delayFinalReport
        sequencer = Mutex(EnvelopeSequencer(runID: userData.runID, sender: userData.agentID))
        let role = AgentRole(rawValue: userData.role)!
        link = try AgentLink(
            pubEndpoint: userData.controller.pubEndpoint, routerEndpoint: userData.controller.routerEndpoint,
            serverPublicKey: userData.controller.serverPublicKey,
            clientKeys: try CurveKeyPair(publicKey: userData.keys.public, secretKey: userData.keys.secret),
            identity: Array(userData.agentID.utf8), topics: ["all", role.rawValue, userData.agentID])
    }

    func start() {
        task.withLock { $0 = Task { await self.play() } }
    }

    func stop() {
        task.withLock { $0?.cancel() }
        link.close()
    }

    static func wallNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// The agent's number among its role (the id ends in it): varies its latencies.
    var number: Int { Self.number(of: userData.agentID) }

    static func number(of agentID: String) -> Int { Int(agentID.split(separator: "-").last ?? "") ?? 0 }

    func send(_ body: Kb_V1_Envelope.OneOf_Body) {
        guard !silent.withLock({ $0 }) else { return }
        try? link.send(sequencer.withLock { $0.frame(body, sentUnixNs: Self.wallNow()) })
    }

    /// Hello every 100 ms until welcomed, then a heartbeat every 300 ms.
    private func helloAndHeartbeat() async {
        var hello = Kb_V1_Hello()
        hello.agentID = userData.agentID
        hello.role = userData.role
        hello.address = userData.address
        var beats = 0
        while !Task.isCancelled {
            if !welcomed.withLock({ $0 }) {
                hello.helloUnixNs = Self.wallNow()
                send(.hello(hello))
            } else if beats % 3 == 0 {
                send(.heartbeat(Kb_V1_Heartbeat()))
            }
            beats += 1
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func play() async {
        let role = AgentRole(rawValue: userData.role)!
        let background = Task { await self.helloAndHeartbeat() }
        defer { background.cancel() }
        var receiver = CommandReceiver(agentID: userData.agentID, role: role)
        for await frame in link.incoming {
            guard let envelope = try? WireCodec.decode(frame.payload, runID: userData.runID) else { continue }
            switch envelope.body {
            case .welcome:
                welcomed.withLock { $0 = true }
            case .command(let command):
                switch receiver.receive(command) {
                case .notAddressed: continue
                case .duplicate(let previous):
                    if let previous { send(.ack(previous)) }
                    continue
                case .execute: break
                }
                let ack = Kb_V1_Ack.make(commandSeq: command.commandSeq)
                receiver.record(ack)
                send(.ack(ack))
                switch command.kind {
                case .prepare:
                    send(.agentStatus(.make(.ready)))
                case .start(let start):
                    guard role == .httpClient else {
                        send(.agentStatus(.make(.running, stage: start.stage)))
                        continue
                    }
                    Task { await self.load(start) }
                case .abort:
                    return
                case .stop, .none:
                    continue
                }
            default:
                continue
            }
        }
    }

    /// Sends the reports of one stage: 100 requests per 500 ms interval, then a final report.
    private func load(_ start: Kb_V1_Start) async {
        let startNs = start.startUnixNs
        let wait = Double(startNs - Self.wallNow()) / 1e9
        if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
        send(.agentStatus(.make(.running, stage: start.stage)))
        let intervalNs: Int64 = 500_000_000
        let count = Int(Int64(start.durationMs) * 1_000_000 / intervalNs)
        var stage = Histogram()
        for index in 0..<count {
            try? await Task.sleep(for: .milliseconds(500))
            var histogram = Histogram()
            for n in 0..<100 { histogram.record(Int64(200 + (n * 37 + index * 11 + number * 101) % 5_000)) }
            try? stage.add(histogram)
            var report = Kb_V1_IntervalReport()
            report.stage = start.stage
            report.index = UInt64(index)
            report.final = index == count - 1
            report.startUnixNs = startNs + Int64(index) * intervalNs
            report.durationNs = UInt64(intervalNs)
            report.requests = 100
            report.bytesRead = 100 * 1_000
            report.statusCodes = [200: 100]
            report.latencyHistogram = Data(histogram.encodedV2())
            report.latencyMaxUs = histogram.maxValue
            var lag = Histogram()
            for n in 0..<100 { lag.record(Int64(5 + (n * 13 + index + number * 7) % 400)) }
            report.lagHistogram = Data(lag.encodedV2())
            report.lagMaxUs = lag.maxValue
            if report.final {
                report.stageLatencyHistogram = Data(stage.encodedV2())
                report.stageLatencyMaxUs = stage.maxValue
                // Past the interval's due time (1 s after its end), before the stage's deadline.
                if delayFinalReport { try? await Task.sleep(for: .milliseconds(1_300)) }
            }
            if spoil.contains(.init(index: index, histogram: .latency)) { report.latencyHistogram.removeLast(5) }
            if spoil.contains(.init(index: index, histogram: .lag)) { report.lagHistogram.removeLast(5) }
            if let relay { relay.deliver(report, from: userData.agentID) } else { send(.intervalReport(report)) }
            book.requests.withLock { $0 += 100 }
            book.latencies.withLock { try? $0.add(histogram) }
            book.lags.withLock { try? $0.add(lag) }
            if silentAfterFirstReport {
                // Like a SIGKILL: nothing more, not even heartbeats.
                silent.withLock { $0 = true }
                return
            }
        }
        send(.agentStatus(.make(.done, stage: start.stage)))
    }
}

/// Launches `RunFakeAgent`s instead of processes.
final class RunFakeLauncher: AgentLauncher, Sendable {
    let book = RunFakeAgent.Ledgerbook()
    let silentAgents: Set<String>
    let lateAgents: Set<String>
    let agents = Mutex<[RunFakeAgent]>([])

    /// When set, every client reports through it, and client 0 plays the relay.
    let relay: RunFakeRelay?
    /// What each client spoils in its reports, by its number.
    let spoil: [Int: Set<RunFakeAgent.Spoiled>]

    init(
        silentAgents: Set<String> = [], lateAgents: Set<String> = [], relay: RunFakeRelay? = nil,
        spoil: [Int: Set<RunFakeAgent.Spoiled>] = [:]
    ) {
        self.silentAgents = silentAgents
        self.lateAgents = lateAgents
        self.relay = relay
        self.spoil = spoil
    }

    func launch(_ userData: AgentUserData) async throws {
        let client = userData.role == AgentRole.httpClient.rawValue
        let number = RunFakeAgent.number(of: userData.agentID)
        let agent = try RunFakeAgent(
            userData, book: book, silentAfterFirstReport: silentAgents.contains(userData.agentID),
            delayFinalReport: lateAgents.contains(userData.agentID), relay: client ? relay : nil,
            spoil: client ? spoil[number] ?? [] : [])
        if client, number == 0 { relay?.setSender(agent) }
        agents.withLock { $0.append(agent) }
        agent.start()
    }

    var cloudDescription: String { "the test's fake cloud" }
    func logTail(agentID: String) -> String? { nil }

    func stopAll() {
        agents.withLock { $0.forEach { $0.stop() } }
    }
}
