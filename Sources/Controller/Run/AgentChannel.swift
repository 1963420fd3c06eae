import Proto

/// The controller's conversation with its agents, whatever they do (HTTP load, amphora
/// heartbeats): who they are (`AgentRoster`), commands until acknowledged (`CommandDelivery`),
/// the envelope sequence, Welcomes, and which commands an agent refused.
///
/// A value owned by one actor (the run's or the stress test's coordinator), which feeds in
/// frames and ticks and acts on what comes back: roster events and interval reports.
struct AgentChannel {
    /// What a frame meant to the owner.
    enum Inbound {
        /// Nothing beyond bookkeeping.
        case none
        /// The roster changed: joined, ready, failed, lost.
        case events([AgentRoster.Event])
        /// An agent's interval report.
        case report(agentID: String, Kb_V1_IntervalReport)
        /// A relay's merged interval of its members (only those the roster knows are kept).
        case relayed(relayID: String, Kb_V1_RelayedInterval)
    }

    let runID: String
    let link: ControllerLink
    /// Where notes about commands go (console progress).
    let note: @Sendable (String) -> Void
    var roster: AgentRoster
    var delivery: CommandDelivery
    var sequencer: EnvelopeSequencer
    /// Why an agent refused a command (the Ack's error), by agent.
    var rejections: [String: String] = [:]
    /// Frames dropped: undecodable, of another run, or from a key that does not match the sender.
    var droppedFrames = 0
    /// Per agent, controller clock minus agent clock at its Hello, ns: the controller's receive
    /// time less the Hello's send time, the smallest over its Hellos. The agent measures the
    /// exact offset itself (ClockOffset, from the Welcome) but does not report it; this bound,
    /// high by the Hello's one-way delay, costs nothing and shows a clock that is far off.
    var helloClockOffsets: [String: Int64] = [:]
    /// When the last beacon went out.
    var lastBeacon: ContinuousClock.Instant?
    /// How often the controller tells every agent it is alive: an agent's watchdog stops
    /// everything it started after 30 s (or three report intervals) without a frame.
    static let beaconInterval: Duration = .seconds(1)

    /// A channel over `link` for the agents of `roster`.
    init(
        runID: String, link: ControllerLink, roster: AgentRoster, policy: CommandDelivery.Policy,
        note: @escaping @Sendable (String) -> Void
    ) {
        self.runID = runID
        self.link = link
        self.roster = roster
        self.note = note
        delivery = CommandDelivery(policy: policy)
        sequencer = EnvelopeSequencer(runID: runID, sender: Kb_V1_Envelope.controllerSender)
    }

    /// Handles one frame. Identity comes from the CURVE key the ZAP handler vouched for; a
    /// frame whose envelope names another sender is dropped (counted). Hellos are answered
    /// with a Welcome at once.
    mutating func receive(_ frame: IncomingFrame, now: ContinuousClock.Instant) -> Inbound {
        let receivedUnixNs = WallClock.nowUnixNs()
        guard let envelope = try? WireCodec.decode(frame.payload, runID: runID),
            let key = frame.publicKey, let agentID = roster.agentID(forKey: key), envelope.sender == agentID
        else {
            droppedFrames += 1
            return .none
        }
        switch envelope.body {
        case .hello(let hello):
            let events = roster.hello(from: agentID, at: now, address: hello.address)
            if hello.helloUnixNs > 0 {
                // The smallest gap is the Hello that travelled fastest: the best bound.
                let gap = receivedUnixNs &- hello.helloUnixNs
                helloClockOffsets[agentID] = min(helloClockOffsets[agentID] ?? gap, gap)
            }
            var welcome = Kb_V1_Welcome()
            welcome.agentID = agentID
            welcome.helloUnixNs = hello.helloUnixNs
            welcome.controllerReceiveUnixNs = receivedUnixNs
            let sent = WallClock.nowUnixNs()
            welcome.controllerSendUnixNs = sent
            // A lost Welcome is repaired by the agent's next Hello.
            try? link.send(to: frame.identity, payload: sequencer.frame(.welcome(welcome), sentUnixNs: sent))
            return .events(events)
        case .ack(let ack):
            roster.heard(from: agentID, at: now)
            if !ack.ok { rejections[agentID] = ack.error.isEmpty ? "no reason given" : ack.error }
            perform(delivery.acknowledge(agent: agentID, commandSeq: ack.commandSeq))
            return .none
        case .heartbeat:
            roster.heard(from: agentID, at: now)
            return .none
        case .agentStatus(let status):
            return .events(roster.status(from: agentID, status.state, stage: status.stage, detail: status.detail, at: now))
        case .intervalReport(let report):
            roster.heard(from: agentID, at: now)
            return .report(agentID: agentID, report)
        case .relayedInterval(var relayed):
            roster.heard(from: agentID, at: now)
            // A relay speaks for its members (itself among them, when it loads too): a member it
            // names is alive. A frame naming an agent the roster does not know is dropped and
            // counted, never merged: its merged part cannot be taken apart.
            let known = relayed.members.filter { roster.entry($0.agentID) != nil }
            guard known.count == relayed.members.count else {
                droppedFrames += 1
                return .none
            }
            for member in known { roster.heard(from: member.agentID, at: now) }
            relayed.members = known
            return .relayed(relayID: agentID, relayed)
        case .welcome, .command, .none:
            droppedFrames += 1
            return .none
        }
    }

    /// Re-sends what is due and, with `liveness`, returns the roster's events (agents
    /// declared lost). Without it (after Abort, when agents exit), silence is not a loss.
    /// `judgeSilence: false` (the coordinator has frames waiting) declares nobody lost now.
    mutating func tick(now: ContinuousClock.Instant, liveness: Bool = true, judgeSilence: Bool = true) -> [AgentRoster.Event] {
        perform(delivery.tick(now: now))
        // No beacon once the run ends (liveness off): the agents were told to exit.
        if liveness, lastBeacon.map({ now - $0 >= Self.beaconInterval }) ?? true {
            lastBeacon = now
            // A Heartbeat on `all`: one frame for every agent, which only feeds its watchdog.
            let frame = sequencer.frame(.heartbeat(Kb_V1_Heartbeat()), sentUnixNs: WallClock.nowUnixNs())
            try? link.publish(topic: Kb_V1_Command.topicAll, payload: frame)
        }
        return liveness && judgeSilence ? roster.tick(now: now) : []
    }

    /// Publishes a command for `agents`; returns its sequence number.
    @discardableResult
    mutating func publish(
        _ kind: Kb_V1_Command.OneOf_Kind, topic: String, to agents: Set<String>, now: ContinuousClock.Instant
    ) -> UInt64 {
        let (seq, actions) = delivery.publish(.make(topic: topic, kind: kind), to: agents, now: now)
        perform(actions)
        return seq
    }

    /// Stops waiting for `agentID`'s acknowledgements (failed or lost).
    mutating func forget(agent agentID: String) {
        perform(delivery.forget(agent: agentID))
    }

    /// Carries out what `CommandDelivery` asks.
    private mutating func perform(_ actions: [CommandDelivery.Action]) {
        for action in actions {
            switch action {
            case .send(let command):
                let frame = sequencer.frame(.command(command), sentUnixNs: WallClock.nowUnixNs())
                // A full queue loses this copy only; the re-send repairs it.
                try? link.publish(topic: command.topic, payload: frame)
            case .delivered:
                break
            case .unacknowledged(let seq, let agents):
                note("command \(seq) was never acknowledged by \(agents.sorted().joined(separator: ", "))")
            }
        }
    }
}
