import Proto

/// Who the run's agents are and where each one stands: staged, joined, ready, running, lost,
/// failed. A value-type state machine: the owner feeds in what arrived and the time (the roster
/// never reads a clock, so tests step time by hand), and acts on the events it returns.
///
/// Rules (docs/run-protocol.md): an agent counts as joined at its first Hello; once joined,
/// an agent silent for `silenceLimit` (3 report intervals, at least 3 s) is lost for the rest
/// of the run, and nothing it sends later changes that; an agent is only identified by the
/// public key the ZAP handler vouched for.
public struct AgentRoster: Sendable {
    /// The clock readings the roster is fed; it never reads a clock itself.
    public typealias Instant = ContinuousClock.Instant

    /// Where one agent stands.
    public enum Phase: Sendable, Equatable {
        /// Started (or about to be); no Hello yet.
        case staged
        /// Sent a Hello; not prepared yet.
        case joined
        /// Said READY to its Prepare.
        case ready
        /// Loading (client) or serving (server) this stage.
        case running(stage: UInt32)
        /// Finished this stage (DONE); ready for the next Start.
        case finished(stage: UInt32)
        /// Reported FAILED, with its detail.
        case failed(String)
        /// Silent too long (or gone at a deadline); the reason says which.
        case lost(String)

        /// Whether the agent is out of the run for good.
        public var isGone: Bool {
            switch self {
            case .failed, .lost: return true
            default: return false
            }
        }
    }

    /// What the owner should know about.
    public enum Event: Sendable, Equatable {
        /// The agent sent its first Hello.
        case joined(agentID: String)
        /// The agent reported READY.
        case ready(agentID: String)
        /// The agent reported FAILED.
        case failed(agentID: String, detail: String)
        /// The agent was declared lost.
        case lost(agentID: String, reason: String)
    }

    /// One agent.
    public struct Entry: Sendable, Equatable {
        /// Its id.
        public let id: String
        /// Its role.
        public let role: AgentRole
        /// The public key it must authenticate with.
        public let publicKey: String
        /// Where it stands.
        public fileprivate(set) var phase: Phase = .staged
        /// Whether it ever joined (kept after it is lost).
        public fileprivate(set) var hasJoined = false
        /// When anything last arrived from it.
        public fileprivate(set) var lastHeard: Instant?
        /// The address it said it serves on or sends from (its Hello); nil before it joined.
        public fileprivate(set) var address: String?
    }

    /// How long a joined agent may stay silent before it is lost.
    public let silenceLimit: Duration
    /// The agents, in staging order.
    public private(set) var entries: [Entry]
    private var byID: [String: Int] = [:]
    private var byKey: [String: Int] = [:]

    /// A roster of staged agents.
    ///
    /// - Parameters:
    ///   - agents: id, role and public key of every agent; ids and keys must be unique.
    ///   - silenceLimit: the silence after which a joined agent is lost.
    public init(agents: [(id: String, role: AgentRole, publicKey: String)], silenceLimit: Duration) {
        self.silenceLimit = silenceLimit
        entries = agents.map { Entry(id: $0.id, role: $0.role, publicKey: $0.publicKey) }
        for (index, entry) in entries.enumerated() {
            precondition(byID[entry.id] == nil, "AgentRoster: agent id \(entry.id) appears twice")
            precondition(byKey[entry.publicKey] == nil, "AgentRoster: two agents share the public key \(entry.publicKey)")
            byID[entry.id] = index
            byKey[entry.publicKey] = index
        }
    }

    /// The agent that authenticated with `publicKey`, or nil for a key this run did not stage.
    public func agentID(forKey publicKey: String) -> String? {
        byKey[publicKey].map { entries[$0].id }
    }

    /// The entry of `agentID`.
    public func entry(_ agentID: String) -> Entry? {
        byID[agentID].map { entries[$0] }
    }

    /// The phase of `agentID`.
    public func phase(of agentID: String) -> Phase? {
        entry(agentID)?.phase
    }

    /// Something arrived from `agentID`: it is alive now.
    public mutating func heard(from agentID: String, at now: Instant) {
        guard let index = byID[agentID], !entries[index].phase.isGone else { return }
        entries[index].lastHeard = now
    }

    /// A Hello arrived: the first one joins the agent.
    public mutating func hello(from agentID: String, at now: Instant, address: String? = nil) -> [Event] {
        guard let index = byID[agentID], !entries[index].phase.isGone else { return [] }
        entries[index].lastHeard = now
        if let address, !address.isEmpty { entries[index].address = address }
        guard entries[index].phase == .staged else { return [] }
        entries[index].phase = .joined
        entries[index].hasJoined = true
        joinedCount += 1
        return [.joined(agentID: agentID)]
    }

    /// An AgentStatus arrived.
    public mutating func status(
        from agentID: String, _ state: Kb_V1_AgentStatus.State, stage: UInt32, detail: String, at now: Instant
    ) -> [Event] {
        guard let index = byID[agentID], !entries[index].phase.isGone else { return [] }
        entries[index].lastHeard = now
        if entries[index].phase == .staged {
            // A status before any Hello: the Hello was lost, the agent is evidently there.
            entries[index].phase = .joined
            entries[index].hasJoined = true
            joinedCount += 1
        }
        switch state {
        case .ready:
            entries[index].phase = .ready
            return [.ready(agentID: agentID)]
        case .running:
            entries[index].phase = .running(stage: stage)
        case .done:
            entries[index].phase = .finished(stage: stage)
        case .failed:
            entries[index].phase = .failed(detail)
            return [.failed(agentID: agentID, detail: detail)]
        case .preparing, .unspecified, .UNRECOGNIZED:
            break
        }
        return []
    }

    /// Declares `agentID` lost for `reason` (e.g. no final report by the stage's deadline).
    public mutating func declareLost(_ agentID: String, reason: String) -> [Event] {
        guard let index = byID[agentID], !entries[index].phase.isGone else { return [] }
        entries[index].phase = .lost(reason)
        return [.lost(agentID: agentID, reason: reason)]
    }

    /// Declares lost every joined agent silent for longer than `silenceLimit` at `now`.
    public mutating func tick(now: Instant) -> [Event] {
        var events: [Event] = []
        for index in entries.indices where entries[index].hasJoined && !entries[index].phase.isGone {
            guard let last = entries[index].lastHeard, last.duration(to: now) > silenceLimit else { continue }
            let reason = "silent for more than \(silenceLimit.secondsText) (no heartbeat or report)"
            events += declareLost(entries[index].id, reason: reason)
        }
        return events
    }

    /// How many agents have joined (lost ones included: they did join). Kept, not counted:
    /// it is read at every join, and counting would make joining 10,000 agents quadratic.
    public private(set) var joinedCount = 0

    /// The ids of agents of `role` (all roles when nil) that never joined.
    public func notJoined(role: AgentRole? = nil) -> [String] {
        entries.filter { !$0.hasJoined && (role == nil || $0.role == role) }.map(\.id)
    }

    /// The ids of agents of `role` that are still in the run.
    public func live(role: AgentRole) -> [String] {
        entries.filter { $0.role == role && !$0.phase.isGone }.map(\.id)
    }
}

extension Duration {
    /// "3 s", "1.5 s": for messages.
    var secondsText: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// The duration in seconds, as a Double.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
