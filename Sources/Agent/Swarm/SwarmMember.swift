#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto
#if canImport(Glibc)
import Glibc
#endif

/// One agent of a swarm: the run protocol of `kb-agent run` (docs/run-protocol.md) without a
/// role's real work. It joins with Hellos, measures its clock offset, executes each command
/// once and acknowledges every copy, answers Prepare with READY, and while a stage runs
/// reports every interval from the stage's start on the controller's clock, as a real client
/// does, with histograms from `SwarmSamples`; servers send a counters report every second.
///
/// A value without I/O: `frame(_:)` and `tick(now:)` return the message bodies to send.
struct SwarmMember {
    /// A client's running stage.
    struct Stage {
        let number: UInt32
        /// T on this process's clock, and on the controller's.
        let startAt: ContinuousClock.Instant
        let startControllerUnixNs: Int64
        /// nil: until Stop.
        let duration: Duration?
        let interval: Duration
        let regularIntervals: Int
        var reported = 0
        var running = false
        var stopRequested = false
        var uses: [Int]
    }

    enum Role {
        case unprepared
        case server
        case client(interval: Duration, connections: UInt32, rateLimited: Bool)
    }

    let userData: UserData
    private var sequencer: EnvelopeSequencer
    private var receiver: CommandReceiver
    private var offsets = ClockOffsetEstimator()
    /// Hellos still to send after the first Welcome, for a better clock offset.
    private var extraHellos = 3
    private(set) var welcomed = false
    private var nextHello: ContinuousClock.Instant
    private var nextBeat: ContinuousClock.Instant
    private(set) var lastHeard: ContinuousClock.Instant
    private var role = Role.unprepared
    private var stage: Stage?
    private var serverStage: UInt32 = 0
    private var serverIndex: UInt64 = 0
    /// Requests the member's client peer reported (servers): what nginx would have counted.
    private var served: UInt64 = 0
    /// Abort received: the member says nothing more.
    private(set) var aborted = false

    init(userData: UserData, now: ContinuousClock.Instant) {
        self.userData = userData
        sequencer = EnvelopeSequencer(runID: userData.runID, sender: userData.agentID)
        receiver = CommandReceiver(agentID: userData.agentID, role: userData.role)
        nextHello = now
        nextBeat = now
        lastHeard = now
    }

    /// A server's client reported `requests` more responses.
    mutating func serve(_ requests: UInt64) { served += requests }

    /// `body` as this member's next frame.
    mutating func encode(_ body: Kb_V1_Envelope.OneOf_Body) -> [UInt8] {
        sequencer.frame(body, sentUnixNs: WallClock.nowUnixNs())
    }

    /// Reacts to one frame from the controller.
    mutating func frame(_ frame: AgentFrame, now: ContinuousClock.Instant, samples: SwarmSamples) -> [Kb_V1_Envelope.OneOf_Body] {
        guard !aborted, let envelope = try? WireCodec.decode(frame.payload, runID: userData.runID) else { return [] }
        lastHeard = now
        switch envelope.body {
        case .welcome(let welcome):
            guard welcome.agentID == userData.agentID,
                let sample = ClockOffset(welcome: welcome, agentReceiveUnixNs: WallClock.nowUnixNs())
            else { return [] }
            _ = offsets.add(sample)
            if !welcomed {
                welcomed = true
                nextHello = now.advanced(by: .milliseconds(100))
                nextBeat = now.advanced(by: .seconds(1))
            }
            return []
        case .command(let command):
            switch receiver.receive(command) {
            case .notAddressed: return []
            case .duplicate(let previous): return previous.map { [.ack($0)] } ?? []
            case .execute:
                let ack = Kb_V1_Ack.make(commandSeq: command.commandSeq)
                receiver.record(ack)
                return [.ack(ack)] + execute(command, now: now, samples: samples)
            }
        default:
            return []
        }
    }

    private mutating func execute(_ command: Kb_V1_Command, now: ContinuousClock.Instant, samples: SwarmSamples) -> [Kb_V1_Envelope.OneOf_Body] {
        switch command.kind {
        case .prepare(let prepare):
            switch prepare.role {
            case .httpServer: role = .server
            case .httpClient(let params):
                let interval = Duration.milliseconds(Int64(max(100, params.reportIntervalMs)))
                role = .client(interval: interval, connections: params.connections, rateLimited: params.rateLimit > 0)
            default:
                return [.agentStatus(.make(.failed, detail: "Prepare: a swarm member plays http-server or http-client only"))]
            }
            return [.agentStatus(.make(.ready))]
        case .start(let start):
            guard case .client(let interval, _, _) = role else {
                serverStage = start.stage
                serverIndex = 0
                return []
            }
            let wall = WallClock.nowUnixNs()
            let agentStart = max(wall, offsets.best?.agentTime(controllerUnixNs: start.startUnixNs) ?? start.startUnixNs)
            let duration: Duration? = start.durationMs == 0 ? nil : .milliseconds(Int64(clamping: start.durationMs))
            var regular = Int.max
            if let duration { regular = max(0, Int((duration / interval).rounded(.up)) - 1) }
            stage = Stage(
                number: start.stage, startAt: now.advanced(by: .nanoseconds(agentStart - wall)),
                startControllerUnixNs: offsets.best?.controllerTime(agentUnixNs: agentStart) ?? agentStart,
                duration: duration, interval: interval, regularIntervals: regular, uses: Array(repeating: 0, count: samples.variants.count))
            return []
        case .stop(let stop):
            if stage?.number == stop.stage { stage?.stopRequested = true }
            return []
        case .abort:
            aborted = true
            return []
        case nil:
            return []
        }
    }

    /// Hellos, heartbeats and reports due by `now`.
    mutating func tick(now: ContinuousClock.Instant, samples: SwarmSamples) -> [Kb_V1_Envelope.OneOf_Body] {
        guard !aborted else { return [] }
        var out: [Kb_V1_Envelope.OneOf_Body] = []
        if now >= nextHello && (!welcomed || extraHellos > 0) {
            if welcomed { extraHellos -= 1 }
            nextHello = now.advanced(by: .milliseconds(welcomed ? 100 : 500))
            var hello = Kb_V1_Hello()
            hello.agentID = userData.agentID
            hello.role = userData.role.rawValue
            hello.agentVersion = AgentDaemon.version
            hello.pid = UInt32(bitPattern: getpid())
            hello.address = userData.address
            hello.helloUnixNs = WallClock.nowUnixNs()
            out.append(.hello(hello))
        }
        // Commands may come before the Welcome (the controller counts a member joined at its
        // first Hello), so only the heartbeat waits for it.
        if welcomed, now >= nextBeat {
            nextBeat = nextBeat.advanced(by: .seconds(1))
            if nextBeat < now { nextBeat = now.advanced(by: .seconds(1)) }
            var beat = Kb_V1_Heartbeat()
            if case .client(_, let connections, _) = role, stage?.running == true { beat.openConnections = connections }
            out.append(.heartbeat(beat))
            if case .server = role { out.append(.intervalReport(serverReport())) }
        }
        if stage != nil { out += stageReports(now: now, samples: samples) }
        return out
    }

    private mutating func serverReport() -> Kb_V1_IntervalReport {
        var report = Kb_V1_IntervalReport()
        report.stage = serverStage
        report.index = serverIndex
        serverIndex += 1
        let wall = WallClock.nowUnixNs()
        report.startUnixNs = offsets.best?.controllerTime(agentUnixNs: wall - 1_000_000_000) ?? wall
        report.durationNs = 1_000_000_000
        var counters = Kb_V1_ServerCounters()
        counters.requests = served
        counters.accepts = served > 0 ? 1 : 0
        counters.handled = counters.accepts
        report.server = counters
        return report
    }

    private mutating func stageReports(now: ContinuousClock.Instant, samples: SwarmSamples) -> [Kb_V1_Envelope.OneOf_Body] {
        guard var stage, now >= stage.startAt else { return [] }
        var out: [Kb_V1_Envelope.OneOf_Body] = []
        if !stage.running {
            stage.running = true
            out.append(.agentStatus(.make(.running, stage: stage.number)))
        }
        guard case .client(_, let connections, let rateLimited) = role else { return out }
        let elapsed = now - stage.startAt
        let ended = stage.stopRequested || stage.duration.map { elapsed >= $0 } ?? false
        // Regular intervals due by now (at most the ones strictly inside the duration).
        while stage.reported < stage.regularIntervals, stage.interval * (stage.reported + 1) <= elapsed, !stage.stopRequested {
            out.append(.intervalReport(report(&stage, samples: samples, connections: connections, rateLimited: rateLimited)))
        }
        if ended {
            var last = report(&stage, samples: samples, connections: 0, rateLimited: rateLimited)
            last.final = true
            let whole = samples.encodedStageHistogram(uses: stage.uses)
            last.stageLatencyHistogram = Data(whole.encoded)
            last.stageLatencyMaxUs = whole.max
            out.append(.intervalReport(last))
            out.append(.agentStatus(.make(.done, stage: stage.number)))
            self.stage = nil
            return out
        }
        self.stage = stage
        return out
    }

    private func report(_ stage: inout Stage, samples: SwarmSamples, connections: UInt32, rateLimited: Bool) -> Kb_V1_IntervalReport {
        let pick = (stage.reported + Self.number(of: userData.agentID)) % samples.variants.count
        let variant = samples.variants[pick]
        stage.uses[pick] += 1
        var report = Kb_V1_IntervalReport()
        report.stage = stage.number
        report.index = UInt64(stage.reported)
        report.startUnixNs = stage.startControllerUnixNs + Int64(stage.reported) * Int64(stage.interval.components.seconds * 1_000_000_000)
            + stage.interval.components.attoseconds / 1_000_000_000 * Int64(stage.reported)
        report.durationNs = UInt64(stage.interval.components.seconds) * 1_000_000_000 + UInt64(stage.interval.components.attoseconds / 1_000_000_000)
        let count = UInt64(samples.samples)
        report.requests = count
        report.bytesRead = count * 1_130
        report.bytesWritten = count * 90
        report.statusCodes = [200: count]
        report.latencyHistogram = Data(variant.latency)
        report.latencyMaxUs = variant.latencyMax
        if rateLimited {
            report.lagHistogram = Data(variant.lag)
            report.lagMaxUs = variant.lagMax
        }
        report.openConnections = connections
        stage.reported += 1
        return report
    }

    /// The n of `<run>-cli-<n>`.
    static func number(of agentID: String) -> Int { Int(agentID.split(separator: "-").last ?? "") ?? 0 }
}
