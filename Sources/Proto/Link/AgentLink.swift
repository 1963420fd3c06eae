import CZeroMQ

/// An agent's end of the wire (DESIGN.md §4): a SUB socket for the controller's commands and a
/// DEALER socket for everything the agent sends, both CURVE clients. The agent only dials out,
/// so NAT and floating IPs work; libzmq redials on its own (100 ms, backing off to 2 s).
///
/// Threading: the sockets belong to one dedicated thread that waits in `zmq_poll`; this object
/// only queues outgoing frames (waking the thread through a pipe) and hands out the `incoming`
/// stream the thread feeds. Every method is safe from any thread or task and none blocks,
/// except `close()`, which waits a bounded time for the thread to finish.
public final class AgentLink: Sendable {
    /// Published frames for this agent's topics and frames sent to it directly, in arrival
    /// order. Single consumer. Ends after `close()` or if the link's thread fails.
    public let incoming: AsyncStream<AgentFrame>

    private let outgoing: OutgoingQueue<[UInt8]>
    private let monitor = LinkMonitor()
    private let continuation: AsyncStream<AgentFrame>.Continuation
    private let thread: LinkThread

    /// Connects to the controller and starts the link's thread. Returns before the connection
    /// is up (libzmq connects in the background); frames sent meanwhile are queued, not lost.
    ///
    /// - Parameters:
    ///   - serverPublicKey: the controller's Z85 public key; the handshake fails unless the
    ///     controller holds its secret key.
    ///   - clientKeys: this agent's key pair; the controller must have admitted its public key.
    ///   - identity: the ROUTER routing identity the controller answers to: 1 to 255 bytes, not
    ///     starting with a zero byte (libzmq reserves those).
    ///   - topics: exact topics to receive, e.g. `["all", "http-client", "agent-7"]`.
    ///   - sendQueueCapacity: frames that may wait before `send` throws `sendQueueFull`.
    ///   - incomingBufferLimit: frames `incoming` holds for a slow consumer before dropping.
    public init(
        pubEndpoint: String, routerEndpoint: String, serverPublicKey: String, clientKeys: CurveKeyPair,
        identity: [UInt8], topics: [String], sendQueueCapacity: Int = 10_000, incomingBufferLimit: Int = 100_000
    ) throws {
        _ = try CurveKeyPair.validatedKey(serverPublicKey, role: "server public key")
        guard (1...255).contains(identity.count), identity[0] != 0 else {
            throw LinkError.invalid(
                "AgentLink identity", "must be 1 to 255 bytes and not start with a zero byte, got \(identity.count) bytes")
        }
        guard !topics.isEmpty, topics.allSatisfy({ !$0.isEmpty }) else {
            throw LinkError.invalid("AgentLink topics", "need at least one topic and no empty topic, got \(topics)")
        }
        guard incomingBufferLimit > 0 else {
            throw LinkError.invalid("AgentLink", "incomingBufferLimit must be positive, got \(incomingBufferLimit)")
        }
        let context = try ZmqContext()

        let sub = try ZmqSocket(context, type: ZMQ_SUB, name: "SUB")
        try sub.applyLinkDefaults()
        try sub.applyCurveClient(clientKeys, serverPublicKey: serverPublicKey)
        for topic in topics { try sub.set(ZMQ_SUBSCRIBE, bytes: Array(topic.utf8), "ZMQ_SUBSCRIBE \(topic)") }
        try sub.connect(pubEndpoint)

        let dealer = try ZmqSocket(context, type: ZMQ_DEALER, name: "DEALER")
        try dealer.applyLinkDefaults()
        try dealer.applyCurveClient(clientKeys, serverPublicKey: serverPublicKey)
        try dealer.set(ZMQ_ROUTING_ID, bytes: identity, "ZMQ_ROUTING_ID")
        // Off (libzmq's default, spelled out): frames sent before the handshake completes are
        // queued on the connection's pipe instead of failing, so an agent's first report is
        // not lost to connection timing.
        try dealer.set(ZMQ_IMMEDIATE, 0, "ZMQ_IMMEDIATE")
        try dealer.connect(routerEndpoint)

        let handshakeEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        let eventSockets = [
            try sub.monitor("inproc://kb-monitor-sub", events: handshakeEvents),
            try dealer.monitor("inproc://kb-monitor-dealer", events: handshakeEvents),
        ]
        let outgoing = try OutgoingQueue<[UInt8]>(capacity: sendQueueCapacity)
        let (incoming, continuation) = AsyncStream.makeStream(
            of: AgentFrame.self, bufferingPolicy: .bufferingOldest(incomingBufferLimit))
        let loop = AgentLoop(
            context: context, sub: sub, dealer: dealer, eventSockets: eventSockets, topics: Set(topics.map { Array($0.utf8) }),
            outgoing: outgoing, monitor: monitor, continuation: continuation)
        thread = try LinkThread(name: "kb-agent-link", body: loop.run)
        self.incoming = incoming
        self.continuation = continuation
        self.outgoing = outgoing
    }

    deinit { close() }

    /// Queues `payload` for the controller (one frame over the DEALER). Throws
    /// `sendQueueFull` when `sendQueueCapacity` frames are already waiting, `closed` after
    /// `close()`.
    public func send(_ payload: [UInt8]) throws {
        try outgoing.push(payload, operation: "send to controller")
    }

    /// Hands what is queued to libzmq, closes the sockets (each lingers at most 100 ms to
    /// deliver) and ends `incoming`. Waits at most one second for the thread; idempotent, and
    /// also run by deinit.
    public func close() {
        guard outgoing.close() else { return }
        thread.join(withinMilliseconds: 1_000)
        continuation.finish()
    }

    /// The counters so far. `acceptedConnections` and `rejectedConnections` count this agent's
    /// own CURVE handshakes (SUB and DEALER each count). libzmq 4.3 never redials after a
    /// refused handshake, so `rejectedConnections > 0` means this link will not get through:
    /// close it and make a new one once the controller has admitted the key.
    public var counters: LinkCounters { monitor.snapshot }

    /// Why the link's thread stopped on its own (a libzmq failure), or nil.
    public var failure: LinkError? { monitor.failure.withLock { $0 } }
}
