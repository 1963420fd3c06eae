/// A snapshot of a link's counters. They only grow, for the life of the link.
public struct LinkCounters: Sendable, Equatable {
    /// Frames delivered to `incoming` (a multipart message counts once).
    public var framesIn = 0
    /// Frames handed to libzmq for sending (a published topic + payload counts once).
    public var framesOut = 0
    /// Incoming messages dropped because their multipart shape was wrong for the socket
    /// (e.g. a SUB message that is not exactly topic + payload). The link never parses payloads.
    public var malformedDropped = 0
    /// Incoming frames dropped because the `incoming` buffer was full: the consumer is too slow.
    public var incomingDropped = 0
    /// Outgoing frames libzmq could not take: a direct send to an identity that is not
    /// connected, or to a peer whose high-water mark is reached. PUB's own high-water drops are
    /// invisible to libzmq's caller and are not counted.
    public var outgoingDropped = 0
    /// Refused CURVE handshakes. Controller: handshakes its ZAP handler denied. Agent: its own
    /// SUB and DEALER handshakes that failed (key not admitted, wrong server key); libzmq 4.3
    /// does not redial after that, so on an agent any refusal is final for the link.
    public var rejectedConnections = 0
    /// Completed CURVE handshakes: admitted by the ZAP handler (controller) or completed by the
    /// SUB and DEALER (agent).
    public var acceptedConnections = 0

    /// All zeros.
    public init() {}
}
