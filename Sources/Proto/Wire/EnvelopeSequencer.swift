/// Stamps outgoing envelopes with the run, the sender and the sender's sequence number. One per
/// sending process; `Envelope.seq` must grow by one per frame sent (re-sends included) for
/// receivers to see loss per sender, which is easy to get wrong when every call site counts.
public struct EnvelopeSequencer: Sendable {
    /// The run every envelope belongs to.
    public let runID: String
    /// The agent id, or `Kb_V1_Envelope.controllerSender`.
    public let sender: String
    /// The sequence number of the last envelope made; 0 before the first.
    public private(set) var lastSeq: UInt64 = 0

    /// A sequencer whose first envelope gets `seq` 1.
    public init(runID: String, sender: String) {
        self.runID = runID
        self.sender = sender
    }

    /// The next envelope around `body`.
    ///
    /// - Parameter sentUnixNs: The sender's wall clock now, Unix ns.
    public mutating func envelope(_ body: Kb_V1_Envelope.OneOf_Body, sentUnixNs: Int64) -> Kb_V1_Envelope {
        lastSeq += 1
        return .make(runID: runID, sender: sender, seq: lastSeq, sentUnixNs: sentUnixNs, body: body)
    }

    /// The next envelope around `body`, encoded as one frame.
    public mutating func frame(_ body: Kb_V1_Envelope.OneOf_Body, sentUnixNs: Int64) -> [UInt8] {
        WireCodec.encode(envelope(body, sentUnixNs: sentUnixNs))
    }
}
