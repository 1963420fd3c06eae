/// A frame the controller sent to an agent.
public enum AgentFrame: Sendable, Equatable {
    /// Published on the controller's PUB under `topic` (`all`, a role, or this agent's id).
    case published(topic: String, payload: [UInt8])
    /// Sent to this agent alone through the controller's ROUTER.
    case direct(payload: [UInt8])

    /// The bytes, unchanged; the link never parses them.
    public var payload: [UInt8] {
        switch self {
        case .published(_, let payload), .direct(let payload): return payload
        }
    }

    /// The topic for a published frame, nil for a direct one.
    public var topic: String? {
        if case .published(let topic, _) = self { return topic }
        return nil
    }
}
