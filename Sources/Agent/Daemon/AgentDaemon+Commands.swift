import Proto

/// What the controller sends, decoded, deduplicated and accepted or refused (docs/run-protocol.md
/// "Commands"). Accepting is synchronous, so the Ack goes out before anything the command
/// starts can report; the slow part runs as a job (`AgentDaemon+Roles.swift`).
extension AgentDaemon {
    /// One frame from the link. Whatever it holds, it never stops the agent: frames that are not
    /// envelopes of this run are counted and dropped.
    func handle(_ frame: AgentFrame) {
        let envelope: Kb_V1_Envelope
        switch wire.decode(frame.payload, runID: userData.runID) {
        case .success(let decoded):
            envelope = decoded
        case .failure(let error):
            // One line per power of two of drops: a misbehaving peer must not flood the log.
            let dropped = wire.dropped
            if dropped & (dropped - 1) == 0 {
                logger.warning("dropped a frame from the controller (\(dropped) so far): \(error)")
            }
            return
        }
        lastHeardFromController = .now
        switch envelope.body {
        case .welcome(let welcome):
            welcomed(welcome, receivedAt: WallClock.nowUnixNs())
        case .command(let command):
            received(command)
        case .heartbeat:
            // The controller's beacon: it only feeds the watchdog.
            break
        default:
            logger.warning("ignored a \(envelope.body.map { "\($0)".prefix(while: { $0 != "(" }) } ?? "bodiless") message: agents only take Welcome and Command")
        }
    }

    private func welcomed(_ welcome: Kb_V1_Welcome, receivedAt: Int64) {
        guard welcome.agentID == userData.agentID else {
            logger.warning("ignored a Welcome for \(welcome.agentID); this agent is \(userData.agentID)")
            return
        }
        guard let sample = ClockOffset(welcome: welcome, agentReceiveUnixNs: receivedAt) else {
            logger.warning("ignored a Welcome whose times cannot come from one exchange (a clock stepped?)")
            return
        }
        offsets.add(sample)
        join.welcomed(now: .now)
    }

    private func received(_ command: Kb_V1_Command) {
        switch receiver.receive(command) {
        case .notAddressed:
            return
        case .duplicate(let previousAck):
            duplicateCommands += 1
            // nil: the first copy is still being accepted; its Ack follows.
            if let previousAck { outbox.send(.ack(previousAck)) }
        case .execute:
            let error = accept(command)
            let ack = Kb_V1_Ack.make(commandSeq: command.commandSeq, error: error)
            receiver.record(ack)
            outbox.send(.ack(ack))
            if let error { logger.warning("refused command \(command.commandSeq): \(error)") }
        }
    }

    /// Accepts `command` (changing `state`, queueing its job) or says why not.
    private func accept(_ command: Kb_V1_Command) -> String? {
        switch command.kind {
        case .prepare(let prepare): return acceptPrepare(prepare, commandSeq: command.commandSeq)
        case .start(let start): return acceptStart(start)
        case .stop(let stop): return acceptStop(stop)
        case .abort(let abort): return acceptAbort(abort)
        case nil: return "command \(command.commandSeq) has no kind; the controller must set Command.kind"
        }
    }

    private func acceptPrepare(_ prepare: Kb_V1_Prepare, commandSeq: UInt64) -> String? {
        var previous: HTTPServerRole?
        switch state {
        case .idle, .ready(.client), .ready(.amphora):
            break
        case .ready(.server(let role)):
            previous = role
        case .preparing(let other):
            return "Prepare: command \(other) (a Prepare) is still being executed; wait for its READY or FAILED"
        case .running(_, let running):
            return "Prepare: stage \(running.stage) is running; send Stop{stage: \(running.stage)} first"
        case .stopping, .finished:
            return "Prepare: the agent is shutting down"
        case .created:
            fatalError("AgentDaemon: a command was handled before run()")
        }
        switch prepare.role {
        case .httpServer(let params):
            guard userData.role == .httpServer else { return refusePrepare(roleMismatch: "HttpServerParams") }
            guard (1...65_535).contains(params.port) else {
                return refusePrepare("Prepare: http_server.port \(params.port) is not a TCP port; give 1 to 65535")
            }
            guard params.htmlSizeBytes <= 1 << 30 else {
                return refusePrepare("Prepare: http_server.html_size_bytes \(params.htmlSizeBytes) is above 1 GiB; give a page size like 1024")
            }
            let configuration = NginxConfiguration(
                address: userData.address, port: Int(params.port), htmlSize: Int(params.htmlSizeBytes),
                expectedConnections: Int(params.expectedConnections), directory: userData.workDir + "/nginx")
            if let problem = configuration.capacityProblem {
                return refusePrepare("Prepare: \(problem)")
            }
            state = .preparing(commandSeq: commandSeq)
            jobQueue.yield { [previous] in
                await self.prepareServer(configuration, replacing: previous, commandSeq: commandSeq)
            }
        case .httpClient(let params):
            guard userData.role == .httpClient else { return refusePrepare(roleMismatch: "HttpClientParams") }
            let plan: ClientPlan
            switch ClientPlan.make(params) {
            case .success(let made): plan = made
            case .failure(let problem): return refusePrepare("Prepare: \(problem.description)")
            }
            state = .preparing(commandSeq: commandSeq)
            reportIntervalForWatchdog = max(reportIntervalForWatchdog, plan.reportInterval)
            jobQueue.yield { await self.prepareClient(plan, commandSeq: commandSeq) }
        case .amphora(let params):
            guard userData.role == .amphora else { return refusePrepare(roleMismatch: "AmphoraParams") }
            let plan: AmphoraPlan
            switch AmphoraPlan.make(params) {
            case .success(let made): plan = made
            case .failure(let problem): return refusePrepare("Prepare: \(problem.description)")
            }
            state = .preparing(commandSeq: commandSeq)
            jobQueue.yield { await self.prepareAmphora(plan, commandSeq: commandSeq) }
        case nil:
            return refusePrepare("Prepare: no role parameters; the controller must set http_server, http_client or amphora")
        }
        return nil
    }

    /// A Prepare that cannot work: refused in the Ack, and FAILED, so a controller waiting for
    /// READY or FAILED hears it either way. The state does not change: a prepared role stays.
    private func refusePrepare(_ detail: String) -> String {
        report(.failed, detail: detail)
        return detail
    }

    private func refusePrepare(roleMismatch parameters: String) -> String {
        refusePrepare(
            "Prepare: this agent is an \(userData.role.rawValue) but the command carries \(parameters); "
                + "address it to the agents of that role")
    }

    private func acceptStart(_ start: Kb_V1_Start) -> String? {
        switch state {
        case .ready(.server):
            // Servers are not sent Start (run-protocol), but one addressed to "all" reaches them:
            // it only labels their nginx reports with the stage.
            serverStage = start.stage
            serverReportIndex = 0
            return nil
        case .ready(let prepared):
            let now = WallClock.nowUnixNs()
            // A start already past means "now" (run-protocol: the controller aims 2 s ahead).
            let agentStart = max(now, offsets.best?.agentTime(controllerUnixNs: start.startUnixNs) ?? start.startUnixNs)
            let startAt = ContinuousClock.now.advanced(by: .nanoseconds(agentStart - now))
            if offsets.best == nil {
                logger.warning("Start before any Welcome: using the clocks as they are (no offset measured)")
            }
            let (stopped, stop) = AsyncStream<Never>.makeStream()
            let running = RunningStage(stage: start.stage, signals: StageSignals(), stop: stop)
            state = .running(prepared, running)
            runningStageSignals = running.signals
            let duration: Duration? = start.durationMs == 0 ? nil : .milliseconds(Int64(clamping: start.durationMs))
            let context = StageContext(
                stage: start.stage, startAt: startAt, startAgentUnixNs: agentStart,
                duration: duration, offset: offsets.best, signals: running.signals)
            switch prepared {
            case .client(let plan):
                jobQueue.yield { await self.runStage(context, plan: plan, stopped: stopped) }
            case .amphora(let session):
                jobQueue.yield { await self.runAmphoraStage(context, session: session, stopped: stopped) }
            case .server:
                fatalError("AgentDaemon: a server has no stages")
            }
            return nil
        case .running(_, let running):
            return "Start: stage \(running.stage) is still running; send Stop{stage: \(running.stage)} before starting stage \(start.stage)"
        case .idle:
            return "Start: this agent is not prepared; send Prepare first"
        case .preparing(let commandSeq):
            return "Start: the Prepare (command \(commandSeq)) is still being executed; wait for READY"
        case .stopping, .finished:
            return "Start: the agent is shutting down"
        case .created:
            fatalError("AgentDaemon: a command was handled before run()")
        }
    }

    private func acceptStop(_ stop: Kb_V1_Stop) -> String? {
        // A Stop for another stage than the running one is acknowledged and ignored (schema).
        if case .running(_, let running) = state, running.stage == stop.stage {
            logger.info("Stop: ending stage \(stop.stage) now")
            running.requestStop()
        }
        return nil
    }

    private func acceptAbort(_ abort: Kb_V1_Abort) -> String? {
        let reason = abort.reason.isEmpty ? "no reason given" : abort.reason
        jobQueue.yield { await self.shutDown(reason: "Abort: \(reason)") }
        return nil
    }
}
