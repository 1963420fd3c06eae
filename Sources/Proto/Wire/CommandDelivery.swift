/// The controller's side of reliable commands (DESIGN.md §4): it numbers each command, tracks
/// which target agents have acknowledged it, re-sends what is not acknowledged in time, and gives
/// up after a deadline, naming the agents that never answered.
///
/// ZeroMQ PUB silently drops what it sends before a subscriber has joined (the slow-joiner
/// problem) and whenever a subscriber's queue is full, so a command published once may simply
/// never arrive; re-sending until acknowledged is what makes delivery reliable. Agents execute a
/// command once per `commandSeq` and acknowledge every copy (`CommandReceiver`), so re-sends are
/// harmless.
///
/// A value-type state machine: it opens no socket and reads no clock. The owner publishes the
/// `.send` actions, feeds acknowledgements in, and calls `tick(now:)` at `nextDeadline`.
public struct CommandDelivery: Sendable {
    /// When to re-send and when to give up.
    public struct Policy: Sendable, Equatable {
        /// Wait before the first re-send. Long enough for a healthy agent's Ack to arrive,
        /// short enough that a slow joiner loses little time.
        public var initialInterval: Duration
        /// Ceiling of the re-send interval, so a struggling agent is still retried regularly.
        public var maximumInterval: Duration
        /// Each re-send multiplies the interval by this (>= 1), to back off from agents that are
        /// overloaded rather than gone.
        public var backoffFactor: Double
        /// After this long since `publish`, the command is abandoned and reported
        /// `.unacknowledged` with the agents that never acknowledged it.
        public var giveUpAfter: Duration
        /// When at most this many agents are still missing (and some have acknowledged), re-sends
        /// go to each missing agent's own topic instead of the original one, so a thousand agents
        /// do not receive (and re-acknowledge) a copy because one was slow.
        public var targetedResendLimit: Int

        /// A policy; the defaults re-send after 0.5 s, 1 s, 2 s, 4 s, 4 s, ... and give up after 30 s.
        public init(
            initialInterval: Duration = .milliseconds(500),
            maximumInterval: Duration = .seconds(4),
            backoffFactor: Double = 2,
            giveUpAfter: Duration = .seconds(30),
            targetedResendLimit: Int = 8
        ) {
            precondition(initialInterval > .zero, "CommandDelivery.Policy: initialInterval must be positive")
            precondition(maximumInterval >= initialInterval, "CommandDelivery.Policy: maximumInterval < initialInterval")
            precondition(backoffFactor >= 1, "CommandDelivery.Policy: backoffFactor must be >= 1")
            self.initialInterval = initialInterval
            self.maximumInterval = maximumInterval
            self.backoffFactor = backoffFactor
            self.giveUpAfter = giveUpAfter
            self.targetedResendLimit = targetedResendLimit
        }
    }

    /// What the owner must do.
    public enum Action: Equatable, Sendable {
        /// Publish this command on the PUB socket with `command.topic` as the topic frame.
        case send(Kb_V1_Command)
        /// Every target agent acknowledged `commandSeq` (or was forgotten): delivery is complete.
        case delivered(commandSeq: UInt64)
        /// The give-up deadline passed; `agents` never acknowledged `commandSeq` and are no longer
        /// waited for. The owner decides whether they are lost.
        case unacknowledged(commandSeq: UInt64, agents: Set<String>)
    }

    /// One command still waiting for acknowledgements.
    struct Outstanding: Sendable {
        var command: Kb_V1_Command
        let targetCount: Int
        var pending: Set<String>
        var interval: Duration
        var nextSendAt: ContinuousClock.Instant
        let giveUpAt: ContinuousClock.Instant
    }

    /// The re-send and give-up policy.
    public let policy: Policy
    /// The `commandSeq` of the last command published; 0 before the first.
    public private(set) var lastCommandSeq: UInt64 = 0
    private var outstanding: [UInt64: Outstanding] = [:]

    /// A delivery machine with nothing outstanding.
    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Numbers `command` (overwriting its `commandSeq`), sends it, and tracks acknowledgements
    /// from `agents`. With no agents, the command is sent once and reported delivered.
    ///
    /// - Parameters:
    ///   - command: What to send, with its topic and kind set.
    ///   - agents: The agent ids that must acknowledge: those the topic addresses.
    ///   - now: The owner's clock.
    /// - Returns: The assigned `commandSeq` and the actions to perform.
    public mutating func publish(
        _ command: Kb_V1_Command, to agents: Set<String>, now: ContinuousClock.Instant
    ) -> (commandSeq: UInt64, actions: [Action]) {
        precondition(command.isComplete, "CommandDelivery.publish: command has no kind (or a Prepare has no role)")
        precondition(!command.topic.isEmpty, "CommandDelivery.publish: command has no topic")
        lastCommandSeq += 1
        var command = command
        command.commandSeq = lastCommandSeq
        guard !agents.isEmpty else {
            return (lastCommandSeq, [.send(command), .delivered(commandSeq: lastCommandSeq)])
        }
        outstanding[lastCommandSeq] = Outstanding(
            command: command, targetCount: agents.count, pending: agents,
            interval: policy.initialInterval, nextSendAt: now + policy.initialInterval,
            giveUpAt: now + policy.giveUpAfter)
        return (lastCommandSeq, [.send(command)])
    }

    /// Records that `agent` acknowledged `commandSeq`. Acknowledgements of commands no longer
    /// outstanding (duplicates, late ones after a give-up) and from agents that were not targets
    /// are ignored.
    ///
    /// - Returns: `.delivered` when this was the last acknowledgement missing, else nothing.
    public mutating func acknowledge(agent: String, commandSeq: UInt64) -> [Action] {
        guard var entry = outstanding[commandSeq], entry.pending.remove(agent) != nil else {
            return []
        }
        if entry.pending.isEmpty {
            outstanding[commandSeq] = nil
            return [.delivered(commandSeq: commandSeq)]
        }
        outstanding[commandSeq] = entry
        return []
    }

    /// Stops waiting for `agent` (declared lost) on every outstanding command.
    ///
    /// - Returns: `.delivered` for each command that no longer waits for anyone.
    public mutating func forget(agent: String) -> [Action] {
        var actions: [Action] = []
        for commandSeq in outstanding.keys.sorted() where outstanding[commandSeq]?.pending.contains(agent) == true {
            actions += acknowledge(agent: agent, commandSeq: commandSeq)
        }
        return actions
    }

    /// Re-sends every command whose re-send time has come and gives up on those past their
    /// deadline. Call it at `nextDeadline` (calling earlier or more often is harmless).
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for commandSeq in outstanding.keys.sorted() {
            guard var entry = outstanding[commandSeq] else { continue }
            if now >= entry.giveUpAt {
                outstanding[commandSeq] = nil
                actions.append(.unacknowledged(commandSeq: commandSeq, agents: entry.pending))
                continue
            }
            guard now >= entry.nextSendAt else { continue }
            actions += resends(of: entry)
            entry.interval = min(entry.interval * policy.backoffFactor, policy.maximumInterval)
            // From now, not from the missed schedule, so a late tick does not cause a burst.
            entry.nextSendAt = now + entry.interval
            outstanding[commandSeq] = entry
        }
        return actions
    }

    /// The copies to send for one re-send round: the original topic, or each missing agent's
    /// own topic when few are missing.
    private func resends(of entry: Outstanding) -> [Action] {
        let targeted = entry.pending.count < entry.targetCount && entry.pending.count <= policy.targetedResendLimit
        guard targeted else {
            return [.send(entry.command)]
        }
        return entry.pending.sorted().map { agent in
            var copy = entry.command
            copy.topic = agent
            return .send(copy)
        }
    }

    /// When `tick` next has something to do; nil when nothing is outstanding.
    public var nextDeadline: ContinuousClock.Instant? {
        outstanding.values.map { min($0.nextSendAt, $0.giveUpAt) }.min()
    }

    /// The commands still waiting for acknowledgements, oldest first.
    public var outstandingCommandSeqs: [UInt64] {
        outstanding.keys.sorted()
    }

    /// The agents that have not yet acknowledged `commandSeq`; nil when it is not outstanding
    /// (delivered, given up, or never published).
    public func pendingAgents(commandSeq: UInt64) -> Set<String>? {
        outstanding[commandSeq]?.pending
    }

    /// The command as published, while it is outstanding.
    public func command(commandSeq: UInt64) -> Kb_V1_Command? {
        outstanding[commandSeq]?.command
    }
}
