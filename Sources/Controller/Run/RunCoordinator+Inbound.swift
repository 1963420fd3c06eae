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

    /// Handles one frame: bookkeeping in the channel, then roster events and reports here.
    func receive(_ frame: IncomingFrame) {
        switch channel.receive(frame, now: clock.now) {
        case .none: break
        case .events(let events): handle(events)
        case .report(let agentID, let report): record(report, from: agentID)
        }
    }

    /// Re-sends commands, declares silent agents lost (until the run finishes: after Abort the
    /// agents exit, and cleanup may take minutes), closes overdue intervals.
    func tick() {
        let now = clock.now
        let finishing = [.finishing, .cleaning, .done].contains(state)
        handle(channel.tick(now: now, liveness: !finishing))
        closeIntervals(now: now, force: false)
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
            case .joined:
                let joined = channel.roster.joinedCount
                let total = channel.roster.entries.count
                if state == .staging || state == .joining, joined == total || joined % max(1, total / 10) == 0 {
                    console.progress("joined \(joined) of \(total) agents")
                }
            case .ready:
                break
            case .failed(let agentID, let detail):
                console.progress("agent \(agentID) failed: \(detail)")
                channel.forget(agent: agentID)
            case .lost(let agentID, let reason):
                console.progress("agent \(agentID) lost: \(reason)")
                channel.forget(agent: agentID)
            }
        }
    }
}
