/// The agent's side of reliable commands: decides whether a received command is for this agent
/// and whether it is new. The controller re-sends until acknowledged (`CommandDelivery`), so the
/// same `commandSeq` may arrive several times, also after newer commands (a re-send of a copy
/// that was lost); it must run once, and every copy must be acknowledged again in case the
/// earlier Ack was the one lost.
public struct CommandReceiver: Sendable {
    /// What to do with a received command.
    public enum Disposition: Equatable, Sendable {
        /// First copy: execute it, then acknowledge and `record` the Ack.
        case execute
        /// Already received: do not execute again; send `previousAck` again, or nothing when the
        /// first copy is still being handled (its Ack will follow).
        case duplicate(previousAck: Kb_V1_Ack?)
        /// The topic names another agent or role. SUB filters topics by prefix, so "agent-1"
        /// also receives "agent-12"'s commands; they are ignored, not acknowledged.
        case notAddressed
    }

    /// This agent's id (its own topic).
    public let agentID: String
    /// This agent's role (its role topic).
    public let role: AgentRole
    /// Every command seq received, with the Ack sent for it once there is one. A run has at most
    /// a few thousand commands, so nothing is ever evicted.
    private var received: [UInt64: Kb_V1_Ack?] = [:]

    /// A receiver that has seen no command yet.
    public init(agentID: String, role: AgentRole) {
        self.agentID = agentID
        self.role = role
    }

    /// Whether `topic` addresses this agent: "all", its role, or exactly its id.
    public func isAddressed(_ topic: String) -> Bool {
        topic == Kb_V1_Command.topicAll || topic == role.rawValue || topic == agentID
    }

    /// Classifies one received command and remembers it.
    public mutating func receive(_ command: Kb_V1_Command) -> Disposition {
        guard isAddressed(command.topic) else {
            return .notAddressed
        }
        if let previous = received[command.commandSeq] {
            return .duplicate(previousAck: previous)
        }
        received[command.commandSeq] = .some(nil)
        return .execute
    }

    /// Remembers the Ack sent for a command, to repeat it for duplicates.
    public mutating func record(_ ack: Kb_V1_Ack) {
        received[ack.commandSeq] = .some(ack)
    }

    /// Whether `commandSeq` has been received before.
    public func hasReceived(commandSeq: UInt64) -> Bool {
        received[commandSeq] != nil
    }
}
