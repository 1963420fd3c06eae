import Proto

/// The slow halves of the commands, run as jobs: starting nginx, checking a client's target,
/// running a stage, shutting down. Each re-checks `state` after every await.
extension AgentDaemon {
    /// What a stage job (client or amphora) needs, fixed when its Start was accepted.
    struct StageContext: Sendable {
        let stage: UInt32
        /// T on the continuous clock: connections open before it, requests from it.
        let startAt: ContinuousClock.Instant
        /// T on the agent's wall clock.
        let startAgentUnixNs: Int64
        /// nil: until Stop.
        let duration: Duration?
        let offset: ClockOffset?
        let signals: StageSignals
    }

    /// How a stage ended.
    enum StageOutcome: Sendable {
        /// The load ran (to its end or to a Stop) and its final report went out.
        case completed(requests: UInt64)
        /// The engine could not be created or started; says why.
        case failed(String)
    }

    /// A stage "until Stop" runs at most this long: a year is as good as forever for a load
    /// test and keeps the runner's arithmetic finite.
    static let untilStop: Duration = .seconds(366 * 24 * 3600)

    func prepareServer(_ configuration: NginxConfiguration, replacing previous: HTTPServerRole?, commandSeq: UInt64) async {
        report(.preparing)
        if let previous { await previous.stop() }
        let role = HTTPServerRole(configuration: configuration)
        do {
            try await role.start(readiness: options.serverReadiness)
        } catch {
            guard case .preparing(let current) = state, current == commandSeq else { return }
            state = .idle
            report(.failed, detail: "Prepare: \(error)")
            return
        }
        guard case .preparing(let current) = state, current == commandSeq else {
            // An Abort or a shutdown came in while nginx was starting.
            await role.stop()
            return
        }
        state = .ready(.server(role))
        serverReportIndex = 0
        serverLastReport = nil
        report(.ready, detail: "nginx serving \(configuration.htmlSize) bytes on \(configuration.address):\(configuration.port)")
    }

    func prepareClient(_ plan: ClientPlan, commandSeq: UInt64) async {
        report(.preparing)
        // Creating the engine checks the plan and resolves the host; the engine itself is made
        // again for every stage (connections close between stages), so this one is dropped.
        let failure: String?
        do {
            _ = try await LoadEngine.create(plan.plan)
            failure = nil
        } catch {
            failure = "Prepare: \(error)"
        }
        guard case .preparing(let current) = state, current == commandSeq else { return }
        if let failure {
            state = .idle
            report(.failed, detail: failure)
        } else {
            state = .ready(.client(plan))
            report(.ready, detail: "\(plan.plan.connections) connections to \(plan.plan.displayURL)")
        }
    }

    /// Runs one client stage with `LoadRunner`, reporting each interval as it ends, and the
    /// final report when it stops. Not isolated: the runner's callbacks are synchronous and
    /// send through the outbox directly.
    nonisolated func runStage(_ context: StageContext, plan: ClientPlan, stopped: AsyncStream<Never>) async {
        let runner = LoadRunner(
            plan: plan.plan, duration: context.duration ?? Self.untilStop,
            interval: plan.reportInterval, startAt: context.startAt)
        let outbox = self.outbox
        let logger = self.logger
        let signals = context.signals
        let outcome = await withTaskGroup(of: StageOutcome?.self) { group in
            group.addTask {
                var reporter = StageReporter(
                    stage: context.stage, startAgentUnixNs: context.startAgentUnixNs, duration: context.duration,
                    interval: plan.reportInterval, offset: context.offset, cpuAtStart: CPUTime.now())
                do {
                    let result = try await runner.run {
                        reporter.started(cpu: CPUTime.now())
                        logger.info("RUNNING stage \(context.stage)")
                        outbox.send(.agentStatus(.make(.running, stage: context.stage)))
                    } onInterval: { sample in
                        let stopRequested = signals.stopRequested.load(ordering: .sequentiallyConsistent)
                        signals.openConnections.store(sample.totals.openConnections, ordering: .relaxed)
                        for report in reporter.interval(sample, cpu: CPUTime.now(), stopRequested: stopRequested) {
                            outbox.send(.intervalReport(report))
                        }
                    }
                    outbox.send(.intervalReport(reporter.finish(result, cpu: CPUTime.now())))
                    return .completed(requests: result.totals.requests)
                } catch {
                    return .failed("\(error)")
                }
            }
            // Ends on Stop (the stream finishes) or when the load ends first (cancelled below).
            group.addTask {
                for await _ in stopped {}
                return nil
            }
            var outcome: StageOutcome?
            while let next = await group.next() {
                if let next { outcome = next }
                group.cancelAll()
            }
            return outcome ?? .failed("the stage ended without a result")
        }
        await stageEnded(context.stage, outcome)
    }

    private func stageEnded(_ stage: UInt32, _ outcome: StageOutcome) {
        runningStageSignals = nil
        switch state {
        case .running(let prepared, let running) where running.stage == stage:
            state = .ready(prepared)
        case .stopping:
            break
        default:
            fatalError("AgentDaemon: stage \(stage) ended while the agent was \(state)")
        }
        switch outcome {
        case .completed(let requests):
            report(.done, stage: stage, detail: "\(requests) requests")
        case .failed(let reason):
            report(.failed, stage: stage, detail: "Start stage \(stage): \(reason)")
        }
    }

    /// A server agent's nginx counters as an IntervalReport, sent with the heartbeat from READY
    /// on. The protocol sends Start to clients only, so a server cannot tell when a stage runs;
    /// it reports all the time, labelled with the last stage it heard of (0 when none).
    func sendServerReport() async {
        guard case .ready(.server(let role)) = state else { return }
        if let ended = await role.masterExited() {
            guard case .ready(.server) = state else { return }
            state = .idle
            report(.failed, detail: ended)
            return
        }
        let status = await role.counters()
        guard case .ready(.server) = state, let status else { return }
        let now = ContinuousClock.now
        let nowUnixNs = WallClock.nowUnixNs()
        let start = serverLastReport?.unixNs ?? nowUnixNs
        let length = serverLastReport.map { now - $0.instant } ?? .zero
        let cpu = CPUTime.now()
        let (seconds, attoseconds) = length.components
        let report = Kb_V1_IntervalReport.server(
            stage: serverStage, index: serverReportIndex, status: status,
            startUnixNs: offsets.best?.controllerTime(agentUnixNs: start) ?? start,
            durationNs: UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)),
            cpu: cpu.subtracting(lastCPU))
        lastCPU = cpu
        serverReportIndex += 1
        serverLastReport = (now, nowUnixNs)
        openConnections.store(Int(clamping: status.active), ordering: .relaxed)
        outbox.send(.intervalReport(report))
    }

    /// Abort or graceful shutdown: end the stage (its job sends the final report and DONE),
    /// stop nginx, and let `run()` return once every job is done.
    func shutDown(reason: String) async {
        switch state {
        case .stopping, .finished:
            return
        case .created:
            fatalError("AgentDaemon: shutdown before run()")
        case .running(_, let running):
            logger.info("\(reason): stopping stage \(running.stage)")
            state = .stopping
            running.requestStop()
        case .ready(.server(let role)):
            logger.info("\(reason): stopping nginx")
            state = .stopping
            await role.stop()
            report(.done, stage: serverStage, detail: reason)
        case .idle, .ready(.client), .ready(.amphora), .preparing:
            logger.info("\(reason)")
            state = .stopping
        }
        jobQueue.finish()
    }

    /// Whatever is still running when `run()` ends another way (the link failed, the join gave
    /// up): nginx must not outlive the agent.
    func releaseResources() async {
        if case .ready(.server(let role)) = state {
            state = .stopping
            await role.stop()
        }
    }
}
