import Logging
import Proto
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The agent's side of a run (docs/run-protocol.md): joins the controller with Hellos until
/// welcomed, measures the clock offset, executes each command once (acknowledging every copy),
/// plays its role (nginx for a server, the load engine for a client, heartbeats for an
/// amphora) and reports: statuses on
/// every change, a heartbeat every second, interval reports while a stage runs.
///
/// A `Service`: graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) stops the load,
/// sends the final report and stops nginx; an `Abort` command does the same and makes `run()`
/// return, which ends the program with status 0. `run()` throws only when the controller never
/// welcomed the agent.
///
/// Commands are accepted (and acknowledged) at once inside the actor; the slow work they start
/// (starting nginx, resolving a target, a stage) runs as jobs in `run()`'s task group, so the
/// receive loop keeps acknowledging re-sends meanwhile. Every job re-checks `state` after each
/// await, because a Stop, an Abort or a shutdown may have come in between.
public actor AgentDaemon: Service {
    /// Timings a test may shorten; the defaults are the protocol's.
    public struct Options: Sendable {
        /// Give up joining (exit 1) after this long without a Welcome.
        public var joinTimeout: Duration = .seconds(60)
        /// Heartbeat period, and the period of a server agent's nginx reports.
        public var heartbeatInterval: Duration = .seconds(1)
        /// How long nginx may take to answer after it starts.
        public var serverReadiness: Duration = .seconds(10)
        /// Once joined, the agent stops what it started and exits when nothing has come from
        /// the controller for this long (or three report intervals, if longer): the controller
        /// sends a beacon every second, so only a dead or cut-off controller is this quiet.
        public var controllerSilenceLimit: Duration = .seconds(30)
        /// The protocol's timings.
        public init() {}
    }

    /// The kb-agent version sent in Hello.
    public static let version = "0.1.0"

    /// The command life cycle. The join is tracked apart (`join`), because commands may arrive
    /// before the Welcome: the controller counts an agent joined at its first Hello.
    enum State {
        /// `run()` has not been called.
        case created
        /// Nothing prepared: after the start, or after a Prepare failed.
        case idle
        /// A Prepare (command `commandSeq`) is being executed.
        case preparing(commandSeq: UInt64)
        /// Prepared for a role and not loading.
        case ready(PreparedRole)
        /// A client or amphora stage runs; the role goes back to ready when it ends.
        case running(PreparedRole, RunningStage)
        /// Abort or shutdown: finishing the stage, stopping nginx; nothing new is accepted.
        case stopping
        /// `run()` has returned.
        case finished
    }

    /// What a Prepare set up.
    enum PreparedRole {
        /// nginx serving.
        case server(HTTPServerRole)
        /// A validated engine plan.
        case client(ClientPlan)
        /// Heartbeat templates built, sockets connected.
        case amphora(AmphoraSession)
    }

    /// A client's plan and how often it reports.
    struct ClientPlan: Sendable {
        let plan: LoadPlan
        let reportInterval: Duration
    }

    /// The running stage and the way to end it early.
    struct RunningStage: Sendable {
        let stage: UInt32
        let signals: StageSignals
        let stop: AsyncStream<Never>.Continuation

        /// Asks the stage to end now (Stop, Abort or shutdown); idempotent.
        func requestStop() {
            signals.stopRequested.store(true, ordering: .sequentiallyConsistent)
            stop.finish()
        }
    }

    /// What the agent is, as its user data says.
    public nonisolated let userData: UserData
    let options: Options
    let logger: Logger
    let link: AgentLink
    let outbox: AgentOutbox
    let jobs: AsyncStream<@Sendable () async -> Void>
    let jobQueue: AsyncStream<@Sendable () async -> Void>.Continuation

    var state = State.created
    var join: JoinSchedule
    var offsets = ClockOffsetEstimator()
    var receiver: CommandReceiver
    var wire = WireCounters()
    /// When the last frame of this run came from the controller (the watchdog's clock).
    var lastHeardFromController = ContinuousClock.now
    /// The longest report interval of a prepared role: silence is judged against three of them.
    var reportIntervalForWatchdog: Duration = .zero
    var duplicateCommands = 0
    /// The stage a server labels its reports with: the last Start it saw, 0 before any
    /// (servers are not sent Start by the protocol; see `sendServerReport`).
    var serverStage: UInt32 = 0
    var serverReportIndex: UInt64 = 0
    var serverLastReport: (instant: ContinuousClock.Instant, unixNs: Int64)?
    var lastCPU = CPUTime.now()
    /// A server's nginx connections at its last report.
    let openConnections = Atomic<Int>(0)
    /// The running client stage's signals, for the heartbeat's connection count.
    var runningStageSignals: StageSignals?

    /// A daemon for `userData` that talks over `link` (made from the same user data).
    public init(userData: UserData, link: AgentLink, options: Options = Options(), logger: Logger) {
        self.userData = userData
        self.options = options
        self.logger = logger
        self.link = link
        self.outbox = AgentOutbox(runID: userData.runID, agentID: userData.agentID, logger: logger) { try link.send($0) }
        (jobs, jobQueue) = AsyncStream.makeStream()
        join = JoinSchedule(start: .now, giveUpAfter: options.joinTimeout)
        receiver = CommandReceiver(agentID: userData.agentID, role: userData.role)
    }

    /// Joins, serves commands until Abort or graceful shutdown, and returns after the final
    /// report; throws `AgentDaemonError` when the controller never welcomes the agent.
    public func run() async throws {
        guard case .created = state else { fatalError("AgentDaemon.run() called twice") }
        state = .idle
        join = JoinSchedule(start: .now, giveUpAfter: options.joinTimeout)
        logger.info("joining run \(userData.runID) as \(userData.agentID) (\(userData.role.rawValue), \(userData.address))")
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await self.receiveLoop() }
                    group.addTask { try await self.tickLoop() }
                    group.addTask { await self.runJobs() }
                    // The jobs end after a shutdown; the receive loop when the link fails; the
                    // ticks when the join gives up. Any of them ends the daemon.
                    try await group.next()
                    group.cancelAll()
                }
            } onGracefulShutdown: { [jobQueue] in
                jobQueue.yield { await self.shutDown(reason: "shutting down (SIGTERM or SIGINT)") }
            }
        } catch {
            await releaseResources()
            state = .finished
            throw error
        }
        await releaseResources()
        state = .finished
        logger.info("stopped; frames from the controller: \(wire); duplicate commands: \(duplicateCommands)")
    }

    /// The best clock offset measured so far (controller minus agent), nil before a Welcome.
    public var clockOffset: ClockOffset? { offsets.best }

    /// Whether `run()` has returned.
    public var hasFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Whether a Welcome has arrived.
    public var isWelcomed: Bool { join.isWelcomed }

    /// Frames received from the controller, accepted and dropped by reason.
    public var wireCounters: WireCounters { wire }

    /// Commands received again after their first copy (acknowledged, not executed).
    public var duplicateCommandCount: Int { duplicateCommands }

    private func runJobs() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask(operation: job)
            }
        }
    }

    private func receiveLoop() async {
        for await frame in link.incoming {
            handle(frame)
        }
        if !Task.isCancelled {
            logger.error("the link to the controller ended: \(link.failure.map { "\($0)" } ?? "closed")")
        }
    }

    /// Hellos until the join is over, then a heartbeat (and a server's nginx report) per period.
    private func tickLoop() async throws {
        let clock = ContinuousClock()
        joining: while true {
            switch join.next(now: clock.now) {
            case .sendHello:
                sendHello()
            case .wait(let until):
                try await Task.sleep(until: until, clock: clock)
            case .joined:
                break joining
            case .giveUp:
                throw AgentDaemonError.notWelcomed(
                    agentID: userData.agentID, routerEndpoint: userData.routerEndpoint, after: options.joinTimeout,
                    refused: link.counters.rejectedConnections > 0)
            }
            if !join.isWelcomed, link.counters.rejectedConnections > 0 {
                // libzmq never redials after a refused handshake: waiting longer cannot help.
                throw AgentDaemonError.notWelcomed(
                    agentID: userData.agentID, routerEndpoint: userData.routerEndpoint, after: nil, refused: true)
            }
        }
        if let best = offsets.best {
            logger.info("joined: clock offset \(best.offsetNanoseconds / 1_000) µs (± \(best.roundTripNanoseconds / 2_000) µs) from \(offsets.sampleCount) Welcomes")
        }
        var next = clock.now
        lastHeardFromController = clock.now
        while true {
            next = next.advanced(by: options.heartbeatInterval)
            try await Task.sleep(until: next, clock: clock)
            let silence = clock.now - lastHeardFromController
            let limit = max(options.controllerSilenceLimit, reportIntervalForWatchdog * 3)
            if silence > limit {
                logger.error("the controller has been silent for \(silence.secondsText) (limit \(limit.secondsText)): it died or cannot be reached; stopping everything this agent started and exiting")
                await shutDown(reason: "watchdog: the controller has been silent for \(silence.secondsText)")
                // The jobs end the daemon once the stage's final report is out; this task is
                // cancelled then.
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
            sendHeartbeat()
            await sendServerReport()
        }
    }

    private func sendHello() {
        var hello = Kb_V1_Hello()
        hello.agentID = userData.agentID
        hello.role = userData.role.rawValue
        hello.agentVersion = Self.version
        hello.pid = UInt32(bitPattern: getpid())
        hello.address = userData.address
        hello.helloUnixNs = WallClock.nowUnixNs()
        outbox.send(.hello(hello))
    }

    private func sendHeartbeat() {
        let cpu = CPUTime.now()
        var heartbeat = Kb_V1_Heartbeat()
        heartbeat.cpuUserS = cpu.user
        heartbeat.cpuSysS = cpu.system
        let connections = runningStageSignals?.openConnections.load(ordering: .relaxed)
            ?? openConnections.load(ordering: .relaxed)
        heartbeat.openConnections = UInt32(clamping: connections)
        outbox.send(.heartbeat(heartbeat))
    }

    /// Sends `state` as an AgentStatus.
    func report(_ state: Kb_V1_AgentStatus.State, stage: UInt32 = 0, detail: String = "") {
        if state == .failed {
            logger.error("FAILED: \(detail)")
        } else {
            logger.info("\(state)\(stage > 0 ? " stage \(stage)" : "")\(detail.isEmpty ? "" : ": \(detail)")")
        }
        outbox.send(.agentStatus(.make(state, stage: stage, detail: detail)))
    }
}

extension Duration {
    /// "30 s", "1.5 s".
    var secondsText: String {
        let (seconds, attoseconds) = components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return value == value.rounded() ? "\(Int64(value)) s" : "\((value * 10).rounded() / 10) s"
    }
}

/// Flags a stage shares with the daemon; atomics because the runner's callbacks are synchronous
/// and run outside the actor.
final class StageSignals: Sendable {
    /// A Stop, Abort or shutdown asked the stage to end.
    let stopRequested = Atomic<Bool>(false)
    /// The engine's open connections at the last interval, for the heartbeat.
    let openConnections = Atomic<Int>(0)
}
