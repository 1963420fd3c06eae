import Proto

// What arrives from agents, the periodic tick, and sending commands.
extension RunCoordinator {
    /// How often re-sends, liveness and overdue intervals are looked at.
    static let tickInterval: Duration = .milliseconds(50)
    /// Frames waiting to be taken above which silence is not judged (1,000 agents send about
    /// 2,000 frames a second).
    static let backlogForLiveness = 2_000

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
        let launcher = self.launcher
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.exitPollInterval)
                let exited = await launcher.exitedAgents()
                guard let self else { return }
                if !exited.isEmpty { await self.agentsExited(exited) }
            }
        })
    }

    /// How often the cloud is asked which agents exited.
    static let exitPollInterval: Duration = .milliseconds(250)

    /// Agents whose process ended: before joining, the run fails at once with how they ended
    /// and their log; after, they are lost now rather than after their silence. Once the run
    /// is finishing, agents exit because they were told to.
    func agentsExited(_ exited: [(agentID: String, how: String)]) {
        // A failed run is cleaning up too: its agents end because cleanup stops them.
        if case .failed = state { return }
        guard ![.finishing, .cleaning, .done].contains(state) else { return }
        for (agentID, how) in exited {
            guard let entry = channel.roster.entry(agentID) else { continue }
            if !entry.hasJoined {
                earlyExits[agentID] = how
                continue
            }
            if !entry.phase.isGone {
                handle(channel.roster.declareLost(agentID, reason: "its process ended (\(how))"))
            }
        }
    }

    /// Handles one frame: bookkeeping in the channel, then roster events and reports here.
    func receive(_ frame: IncomingFrame) {
        framesTaken += 1
        switch channel.receive(frame, now: clock.now) {
        case .none: break
        case .events(let events): handle(events)
        case .report(let agentID, let report): record(report, from: agentID)
        case .relayed(let relayID, let relayed): record(relayed, from: relayID)
        }
    }

    /// Re-sends commands, declares silent agents lost (until the run finishes: after Abort the
    /// agents exit, and cleanup may take minutes), closes overdue intervals.
    func tick() {
        let now = clock.now
        let finishing = [.finishing, .cleaning, .done].contains(state)
        // Silence is judged by frames taken, so while frames wait to be taken an agent may look
        // silent when its heartbeat is in the queue: a busy controller must not declare
        // healthy agents lost. Nobody is judged until the backlog is worked off.
        let behind = link.counters.framesIn - framesTaken
        let judge = behind < Self.backlogForLiveness
        if !judge, !finishing, lastBehindNote.map({ now - $0 >= .seconds(10) }) ?? true {
            lastBehindNote = now
            console.progress("note: the controller is \(behind) frames behind its agents; nobody is declared lost until it catches up")
        }
        handle(channel.tick(now: now, liveness: !finishing, judgeSilence: judge))
        closeIntervals(now: now, force: false)
    }

    /// Remembers an agent the run lost or that failed, for the verdict of the running stage
    /// (if one runs) and of the run.
    func noteTrouble(_ agentID: String, _ what: String) {
        troubles.append((agentID, what))
        if tracker != nil { tracker!.result.agentProblems.append("\(agentID) \(what)") }
    }

    /// Publishes a command for `agents` through the channel.
    @discardableResult
    func publish(_ kind: Kb_V1_Command.OneOf_Kind, topic: String, to agents: Set<String>) -> UInt64 {
        channel.publish(kind, topic: topic, to: agents, now: clock.now)
    }

    /// Reacts to roster events: progress lines, and lost agents are no longer waited for.
    func handle(_ events: [AgentRoster.Event]) {
        for event in events {
            switch event {
            case .joined(let agentID):
                let joined = channel.roster.joinedCount
                let total = channel.roster.entries.count
                let line = (state == .staging || state == .joining) && (joined == total || joined % max(1, total / 10) == 0)
                console.agentJoined(agentID, joined: joined, total: total, line: line)
            case .ready:
                break
            case .failed(let agentID, let detail):
                console.agentLost(agentID, what: "failed", reason: detail)
                channel.forget(agent: agentID)
                noteTrouble(agentID, "failed: \(detail)")
            case .lost(let agentID, let reason):
                console.agentLost(agentID, what: "lost", reason: reason)
                channel.forget(agent: agentID)
                noteTrouble(agentID, "lost: \(reason)")
                // Nothing of a lost agent may live on: not it, not its nginx.
                let launcher = self.launcher
                tasks.append(Task { await launcher.stopLeftovers(of: agentID) })
            }
        }
    }
}
