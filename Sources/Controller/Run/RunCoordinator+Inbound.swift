import Proto

// What arrives from agents, the periodic tick, and sending commands.
extension RunCoordinator {
    /// How often re-sends, liveness and overdue intervals are looked at.
    static let tickInterval: Duration = .milliseconds(50)

    /// Starts the task that consumes the link's frames and the one that ticks.
    func startBackgroundTasks() {
        let incoming = link.incoming
        tasks.append(Task { [weak self] in
            for await frame in incoming {
                guard let self else { return }
                await self.receive(frame)
            }
        })
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tickInterval)
                guard let self else { return }
                await self.tick()
            }
        })
    }

    /// Handles one frame. Identity comes from the CURVE key the ZAP handler vouched for; a
    /// frame whose envelope names another sender is dropped (counted).
    func receive(_ frame: IncomingFrame) {
        let receivedUnixNs = wallNow()
        let now = clock.now
        guard let envelope = try? WireCodec.decode(frame.payload, runID: runID),
            let key = frame.publicKey, let agentID = roster.agentID(forKey: key), envelope.sender == agentID
        else {
            droppedFrames += 1
            return
        }
        switch envelope.body {
        case .hello(let hello):
            handle(roster.hello(from: agentID, at: now, address: hello.address))
            var welcome = Kb_V1_Welcome()
            welcome.agentID = agentID
            welcome.helloUnixNs = hello.helloUnixNs
            welcome.controllerReceiveUnixNs = receivedUnixNs
            let sent = wallNow()
            welcome.controllerSendUnixNs = sent
            // A lost Welcome is repaired by the agent's next Hello.
            try? link.send(to: frame.identity, payload: sequencer.frame(.welcome(welcome), sentUnixNs: sent))
        case .ack(let ack):
            roster.heard(from: agentID, at: now)
            if !ack.ok { rejections[agentID] = ack.error.isEmpty ? "no reason given" : ack.error }
            perform(delivery.acknowledge(agent: agentID, commandSeq: ack.commandSeq))
        case .heartbeat:
            roster.heard(from: agentID, at: now)
        case .agentStatus(let status):
            handle(roster.status(from: agentID, status.state, stage: status.stage, detail: status.detail, at: now))
        case .intervalReport(let report):
            roster.heard(from: agentID, at: now)
            record(report, from: agentID)
        case .welcome, .command, .none:
            droppedFrames += 1
        }
    }

    /// Re-sends commands, declares silent agents lost, closes overdue intervals.
    func tick() {
        let now = clock.now
        perform(delivery.tick(now: now))
        handle(roster.tick(now: now))
        closeIntervals(now: now, force: false)
    }

    /// Publishes a command for `agents` through `CommandDelivery`.
    @discardableResult
    func publish(_ kind: Kb_V1_Command.OneOf_Kind, topic: String, to agents: Set<String>) -> UInt64 {
        let (seq, actions) = delivery.publish(.make(topic: topic, kind: kind), to: agents, now: clock.now)
        perform(actions)
        return seq
    }

    /// Carries out what `CommandDelivery` asks.
    func perform(_ actions: [CommandDelivery.Action]) {
        for action in actions {
            switch action {
            case .send(let command):
                let frame = sequencer.frame(.command(command), sentUnixNs: wallNow())
                // A full queue loses this copy only; the re-send repairs it.
                try? link.publish(topic: command.topic, payload: frame)
            case .delivered:
                break
            case .unacknowledged(let seq, let agents):
                console.progress("command \(seq) was never acknowledged by \(agents.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Reacts to roster events: progress lines, and lost agents are no longer waited for.
    func handle(_ events: [AgentRoster.Event]) {
        for event in events {
            switch event {
            case .joined:
                let joined = roster.joinedCount
                let total = roster.entries.count
                if state == .staging || state == .joining, joined == total || joined % max(1, total / 10) == 0 {
                    console.progress("joined \(joined) of \(total) agents")
                }
            case .ready:
                break
            case .failed(let agentID, let detail):
                console.progress("agent \(agentID) failed: \(detail)")
                perform(delivery.forget(agent: agentID))
            case .lost(let agentID, let reason):
                console.progress("agent \(agentID) lost: \(reason)")
                perform(delivery.forget(agent: agentID))
            }
        }
    }
}
