/// Builders for the messages both ends assemble often (envelope, command, ack, status), so call
/// sites read as what they send.
extension Kb_V1_Envelope {
    /// The `sender` of everything the controller sends.
    public static let controllerSender = "controller"

    /// An envelope of the current wire version around `body`.
    ///
    /// - Parameters:
    ///   - runID: The run the frame belongs to.
    ///   - sender: The agent id, or `controllerSender`.
    ///   - seq: The sender's next sequence number (see `EnvelopeSequencer`).
    ///   - sentUnixNs: The sender's wall clock now, Unix ns; passed in so callers own the clock.
    ///   - body: What the frame says.
    public static func make(
        runID: String, sender: String, seq: UInt64, sentUnixNs: Int64 = 0, body: OneOf_Body
    ) -> Kb_V1_Envelope {
        var envelope = Kb_V1_Envelope()
        envelope.version = WireCodec.version
        envelope.runID = runID
        envelope.sender = sender
        envelope.seq = seq
        envelope.sentUnixNs = sentUnixNs
        envelope.body = body
        return envelope
    }
}

extension Kb_V1_Command {
    /// The topic that addresses every agent.
    public static let topicAll = "all"

    /// A command for `topic` ("all", a role, or an agent id). `commandSeq` is normally left 0:
    /// `CommandDelivery.publish` assigns it.
    public static func make(topic: String, kind: OneOf_Kind, commandSeq: UInt64 = 0) -> Kb_V1_Command {
        var command = Kb_V1_Command()
        command.commandSeq = commandSeq
        command.topic = topic
        command.kind = kind
        return command
    }
}

extension Kb_V1_Ack {
    /// The acknowledgement of `commandSeq`: `error` nil means accepted.
    public static func make(commandSeq: UInt64, error: String? = nil) -> Kb_V1_Ack {
        var ack = Kb_V1_Ack()
        ack.commandSeq = commandSeq
        ack.ok = error == nil
        ack.error = error ?? ""
        return ack
    }
}

extension Kb_V1_AgentStatus {
    /// A status report of `state` for `stage`.
    public static func make(_ state: State, stage: UInt32 = 0, detail: String = "") -> Kb_V1_AgentStatus {
        var status = Kb_V1_AgentStatus()
        status.state = state
        status.stage = stage
        status.detail = detail
        return status
    }
}
