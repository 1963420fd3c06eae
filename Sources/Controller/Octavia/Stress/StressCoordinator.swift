import Foundation
import Proto

/// Drives a health-manager stress test after populate: starts the amphora agents, runs each
/// rate step (Prepare, Start, interval lines with the HM's freshness, drain), aborts the agents
/// and deletes the ghost rows and the agents, also after a failure or a signal.
public actor StressCoordinator {
    let runID: String
    let settings: StressSettings
    let population: OctaviaPopulation
    /// The ledger row of the ghost rows.
    let ghosts: ResourceID
    let database: SharedOctaviaDatabase
    let link: ControllerLink
    let serverKeys: CurveKeyPair
    let launcher: any AgentLauncher
    let ledger: Ledger
    let cleaner: Cleaner
    let console: ConsoleReport
    let clock = ContinuousClock()
    var channel: AgentChannel
    let keys: [String: CurveKeyPair]
    let agentIDs: [String]
    var watch: HealthManagerWatch
    var interruptReason: String?
    /// Set once the agents are told to exit: their silence is no loss any more.
    var finishing = false
    var tasks: [Task<Void, Never>] = []
    /// Reports of the running step by interval index.
    var pending: [Int: StepInterval] = [:]
    var finals: Set<String> = []
    /// Every report of the running step, summed.
    var stepTotals = StepInterval()
    var runningStage: UInt32?
    /// The result, once `run()` returned.
    public private(set) var result: StressResult?

    /// Joins, prepares and Start deadlines.
    static let joinTimeout: Duration = .seconds(60)
    static let prepareTimeout: Duration = .seconds(120)
    static let startLead: Duration = .seconds(1)

    /// A coordinator for `population`; generates a key pair per agent.
    init(
        runID: String, settings: StressSettings, population: OctaviaPopulation, ghosts: ResourceID, database: SharedOctaviaDatabase,
        link: ControllerLink, serverKeys: CurveKeyPair, launcher: any AgentLauncher, ledger: Ledger, cleaner: Cleaner,
        console: ConsoleReport
    ) throws {
        self.runID = runID
        self.settings = settings
        self.population = population
        self.ghosts = ghosts
        self.database = database
        self.link = link
        self.serverKeys = serverKeys
        self.launcher = launcher
        self.ledger = ledger
        self.cleaner = cleaner
        self.console = console
        let ids = (0..<settings.agents).map { RunTopology.agentID(runID: runID, role: .amphora, index: $0) }
        var keys: [String: CurveKeyPair] = [:]
        for id in ids { keys[id] = try CurveKeyPair.generate() }
        self.keys = keys
        agentIDs = ids
        let silence = max(Duration.seconds(3), settings.reportInterval * 3)
        channel = AgentChannel(
            runID: runID, link: link,
            roster: AgentRoster(agents: ids.map { (id: $0, role: .amphora, publicKey: keys[$0]!.publicKey) }, silenceLimit: silence),
            policy: CommandDelivery.Policy(), note: console.progress)
        watch = HealthManagerWatch(
            logFile: settings.hmLog,
            local: settings.endpoints.allSatisfy { $0.host.hasPrefix("127.") || $0.host == "::1" })
    }

    /// Asks the test to end early (SIGINT, SIGTERM): the running step stops, rows are cleaned.
    public func interrupt(reason: String) {
        guard interruptReason == nil else { return }
        interruptReason = reason
        console.progress("\(reason): stopping the stress test")
        if let stage = runningStage {
            var stop = Kb_V1_Stop()
            stop.stage = stage
            publish(.stop(stop), topic: AgentRole.amphora.rawValue, to: Set(channel.roster.live(role: .amphora)))
        }
    }

    /// Runs every step and cleans up; never throws (a failure is the result's status).
    @discardableResult
    public func run() async -> StressResult {
        startBackgroundTasks()
        var steps: [StressStep] = []
        var status = "done"
        do {
            try await startAgents()
            for (number, interval) in settings.stepIntervals.enumerated() {
                guard interruptReason == nil else { break }
                let step = try await runStep(number + 1, interval: interval)
                steps.append(step)
                if settings.ramp != nil, !step.keptUp { break }
            }
            if interruptReason != nil { status = "interrupted" }
        } catch is RunInterrupted {
            status = "interrupted"
        } catch {
            status = "failed: \(error)"
            console.progress("stress test failed: \(error)")
        }
        await abortAgents(reason: status == "done" ? "stress test complete" : status)
        // As in a run: nothing more goes over the wire, and an open link only risks libzmq's
        // abort while the agents' connections close (RunCoordinator+Finish says more).
        let link = self.link
        await Task.detached { link.close() }.value
        let cleaned = await cleanUp()
        for task in tasks { task.cancel() }
        var result = StressResult(
            runID: runID, prefix: population.prefix, database: OctaviaDatabaseOpener.maskPassword(settings.databaseURL),
            healthManagers: settings.endpoints.map(\.description), loadBalancers: settings.shape.loadBalancers,
            amphorae: settings.amphorae,
            shape: "\(settings.shape.listeners)/\(settings.shape.pools)/\(settings.shape.members)", agents: settings.agents,
            heartbeatVersion: settings.version, rowsPopulated: population.rows, steps: steps, rowsCleaned: cleaned, status: status)
        if settings.ramp != nil {
            result.kneeRate = steps.last(where: \.keptUp)?.rate
            result.kneeFound = steps.contains { !$0.keptUp }
        }
        try? ledger.setRunStatus(runID, status == "done" ? .done : status == "interrupted" ? .interrupted : .failed)
        self.result = result
        return result
    }

    /// Admits the keys and starts the agents, then waits for their Hellos.
    private func startAgents() async throws {
        var userData: [AgentUserData] = []
        let addresses = try LoopbackAddresses()
        for (index, id) in agentIDs.enumerated() {
            let pair = keys[id]!
            try link.admit(publicKey: pair.publicKey)
            userData.append(AgentUserData(
                runID: runID, agentID: id, role: .amphora,
                address: try addresses.address(tenant: 0, network: index / 250, vm: index % 250),
                controller: .init(pubEndpoint: link.pubEndpoint, routerEndpoint: link.routerEndpoint, serverPublicKey: serverKeys.publicKey),
                keys: pair, workDirectory: try launcher.workDirectory(runID: runID, agentID: id, store: ledger.store)))
        }
        console.progress("starting \(agentIDs.count) amphora agent(s) on \(launcher.cloudDescription)")
        try await launcher.launchAll(userData) { _ in }
        let total = agentIDs.count
        let joined = await wait(until: clock.now + Self.joinTimeout) { self.channel.roster.joinedCount == total }
        guard interruptReason == nil else { return }
        guard joined else {
            let missing = channel.roster.notJoined()
            var tails = ""
            for id in missing { tails += await launcher.logTail(agentID: id).map { "\n--- \(id) ---\n\($0)" } ?? "" }
            throw RunError("\(missing.count) of \(total) amphora agents did not join within \(Self.joinTimeout.secondsText)\(tails)")
        }
    }

    /// Aborts the live agents and waits briefly for their acknowledgements.
    private func abortAgents(reason: String) async {
        finishing = true
        let live = Set(channel.roster.entries.filter { $0.hasJoined && !$0.phase.isGone }.map(\.id))
        guard !live.isEmpty else { return }
        var abort = Kb_V1_Abort()
        abort.reason = "controller: \(reason)"
        let seq = publish(.abort(abort), topic: Kb_V1_Command.topicAll, to: live)
        _ = await wait(until: clock.now + .seconds(3), ignoringInterrupt: true) {
            self.channel.delivery.pendingAgents(commandSeq: seq) == nil
        }
    }

    /// Deletes the ghost rows (unless --no-clean) and the run's agents (and the rows again,
    /// through the ledger, if the first attempt failed).
    private func cleanUp() async -> [String: Int]? {
        var cleaned: [String: Int]?
        if settings.clean {
            let prefix = population.prefix
            do {
                cleaned = try await database.run { try OctaviaCleaner(database: $0).clean(prefix: prefix) }
                try? ledger.markDeleted(ghosts)
                console.progress("deleted \(cleaned!.values.reduce(0, +)) rows of \(prefix)")
            } catch {
                // The ledger row stays live: the cleanup below, or a later one, tries again.
                console.progress("could not delete the rows of \(prefix): \(error)")
            }
        } else {
            try? ledger.markDeleted(ghosts, note: "kept by --no-clean")
            console.progress("kept the rows of \(population.prefix) (--no-clean); remove them with `kloudbuster octavia clean --prefix \(population.prefix)`")
        }
        if let report = try? await cleaner.clean(run: runID), !report.isClean {
            console.progress("could not delete everything:\n\(report.lines.joined(separator: "\n"))\nrun `kloudbuster cleanup` again later")
        }
        return cleaned
    }

    // MARK: - Frames and ticks

    private func startBackgroundTasks() {
        let incoming = link.incoming
        tasks.append(Task { [weak self] in
            for await frame in incoming {
                guard let self else { return }
                await self.receive(frame)
            }
        })
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                guard let self else { return }
                await self.tick()
            }
        })
    }

    private func receive(_ frame: IncomingFrame) {
        switch channel.receive(frame, now: clock.now) {
        case .none: break
        case .events(let events): handle(events)
        case .report(let agentID, let report): record(report, from: agentID)
        case .relayed:
            // The stress designates no relay: an agent that sends relayed intervals is wrong.
            channel.droppedFrames += 1
        }
    }

    private func tick() {
        handle(channel.tick(now: clock.now, liveness: !finishing))
    }

    private func handle(_ events: [AgentRoster.Event]) {
        for event in events {
            switch event {
            case .joined, .ready: break
            case .failed(let agentID, let detail):
                console.progress("agent \(agentID) failed: \(detail)")
                channel.forget(agent: agentID)
            case .lost(let agentID, let reason):
                console.progress("agent \(agentID) lost: \(reason)")
                channel.forget(agent: agentID)
            }
        }
    }

    @discardableResult
    func publish(_ kind: Kb_V1_Command.OneOf_Kind, topic: String, to agents: Set<String>) -> UInt64 {
        channel.publish(kind, topic: topic, to: agents, now: clock.now)
    }

    /// Polls `condition` every 20 ms until it holds, `deadline` passes or an interrupt comes.
    func wait(until deadline: ContinuousClock.Instant, ignoringInterrupt: Bool = false, _ condition: () -> Bool) async -> Bool {
        while true {
            if condition() { return true }
            if (!ignoringInterrupt && interruptReason != nil) || clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
