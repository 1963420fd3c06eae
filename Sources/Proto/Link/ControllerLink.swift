import CZeroMQ

/// The controller's end of the wire (DESIGN.md §4): a PUB socket for commands and a ROUTER
/// socket for everything agents send, both CURVE servers that admit only staged client keys.
///
/// Threading: the sockets belong to one dedicated thread that waits in `zmq_poll`; this object
/// only queues outgoing frames (waking the thread through an eventfd) and hands out the
/// `incoming` stream the thread feeds. Every method is safe from any thread or task and none
/// blocks, except `close()`, which waits a bounded time for the thread to finish.
public final class ControllerLink: Sendable {
    /// The endpoint agents connect their SUB to, e.g. `tcp://127.0.0.1:41234`. When bound to a
    /// wildcard host (`0.0.0.0`) this shows the wildcard; give agents a routable address with
    /// `pubPort` instead.
    public let pubEndpoint: String
    /// The endpoint agents connect their DEALER to.
    public let routerEndpoint: String
    /// The port the PUB socket is bound to (the kernel's choice when 0 was asked for).
    public let pubPort: Int
    /// The port the ROUTER socket is bound to.
    public let routerPort: Int
    /// Frames from admitted agents, in arrival order. Single consumer. Ends after `close()` or
    /// if the link's thread fails (then `failure` says why). When the consumer falls behind by
    /// `incomingBufferLimit` frames, newer frames are dropped and counted.
    public let incoming: AsyncStream<IncomingFrame>

    private let outgoing: OutgoingQueue<ControllerLoop.Outgoing>
    private let admission = AdmissionList()
    private let monitor = LinkMonitor()
    private let continuation: AsyncStream<IncomingFrame>.Continuation
    private let thread: LinkThread

    /// Binds both sockets on `bindHost` (port 0 picks a free port) and starts the link's thread.
    /// No client is admitted until `admit(publicKey:)` names it.
    ///
    /// - Parameters:
    ///   - sendQueueCapacity: frames that may wait for the thread before `publish`/`send` throw
    ///     `sendQueueFull`.
    ///   - incomingBufferLimit: frames `incoming` holds for a slow consumer before dropping.
    public init(
        bindHost: String = "127.0.0.1", serverKeys: CurveKeyPair, pubPort: Int = 0, routerPort: Int = 0,
        sendQueueCapacity: Int = 10_000, incomingBufferLimit: Int = 100_000
    ) throws {
        let context = try ZmqContext()
        // The ZAP handler must be bound before the CURVE sockets can take a connection: without
        // a handler libzmq 4.3 lets every handshake through.
        let zap = try ZmqSocket(context, type: ZMQ_ROUTER, name: "ZAP ROUTER")
        try zap.set(ZMQ_LINGER, 0, "ZMQ_LINGER")
        try zap.bind(ZapHandler.endpoint)

        let pub = try ZmqSocket(context, type: ZMQ_PUB, name: "PUB")
        try pub.applyLinkDefaults(heartbeats: false)
        try pub.applyCurveServer(serverKeys, zapDomain: "kloudbuster-pub")
        // Thousands of agents dial at once when a big run starts; libzmq's listen backlog of 100
        // would drop their SYNs and delay each by a second's retransmission.
        try pub.set(ZMQ_BACKLOG, Self.listenBacklog, "ZMQ_BACKLOG")
        let pubBinding = try pub.bind(host: bindHost, port: pubPort)

        let router = try ZmqSocket(context, type: ZMQ_ROUTER, name: "ROUTER")
        try router.applyLinkDefaults(heartbeats: false)
        try router.applyCurveServer(serverKeys, zapDomain: "kloudbuster-router")
        // An unknown identity fails loudly (and is counted) instead of vanishing.
        try router.set(ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY")
        // A restarted agent reconnects with the same identity and must take its place at once.
        try router.set(ZMQ_ROUTER_HANDOVER, 1, "ZMQ_ROUTER_HANDOVER")
        try router.set(ZMQ_BACKLOG, Self.listenBacklog, "ZMQ_BACKLOG")
        let routerBinding = try router.bind(host: bindHost, port: routerPort)

        guard incomingBufferLimit > 0 else {
            throw LinkError.invalid("ControllerLink", "incomingBufferLimit must be positive, got \(incomingBufferLimit)")
        }
        let outgoing = try OutgoingQueue<ControllerLoop.Outgoing>(capacity: sendQueueCapacity)
        let (incoming, continuation) = AsyncStream.makeStream(
            of: IncomingFrame.self, bufferingPolicy: .bufferingOldest(incomingBufferLimit))
        let loop = ControllerLoop(
            context: context, zap: zap, pub: pub, router: router, outgoing: outgoing,
            admission: admission, monitor: monitor, continuation: continuation)
        thread = try LinkThread(name: "kb-controller", body: loop.run)

        self.pubEndpoint = pubBinding.endpoint
        self.pubPort = pubBinding.port
        self.routerEndpoint = routerBinding.endpoint
        self.routerPort = routerBinding.port
        self.incoming = incoming
        self.continuation = continuation
        self.outgoing = outgoing
    }

    deinit { close() }

    /// Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
    static let listenBacklog: Int32 = 4_096

    /// Lets the agent holding the secret key for `publicKey` connect from its next handshake on.
    /// Throws if `publicKey` is not a 40-character Z85 key, which would otherwise never match.
    public func admit(publicKey: String) throws {
        _ = try CurveKeyPair.validatedKey(publicKey, role: "client public key to admit")
        admission.admit(publicKey)
    }

    /// Refuses future handshakes from `publicKey`. Connections already made stay up (libzmq
    /// asks ZAP only during a handshake); they end at the next reconnect.
    public func revoke(publicKey: String) {
        admission.revoke(publicKey)
    }

    /// Queues `payload` for every agent subscribed to `topic` (`all`, a role or an agent id),
    /// as the two frames topic and payload. Agents that are not connected yet miss it (the
    /// slow joiner); DESIGN.md §4 re-sends what is not acknowledged.
    public func publish(topic: String, payload: [UInt8]) throws {
        guard !topic.isEmpty else {
            throw LinkError.invalid("publish", "the topic is empty; use \"all\" to reach every agent")
        }
        try outgoing.push(.publish(topic: Array(topic.utf8), payload: payload), operation: "publish \(topic)")
    }

    /// Queues `payload` for the one agent whose ROUTER identity is `identity` (from
    /// `IncomingFrame.identity`). If that agent is not connected when the thread sends it, the
    /// frame is dropped and counted in `outgoingDropped`.
    public func send(to identity: [UInt8], payload: [UInt8]) throws {
        guard !identity.isEmpty else { throw LinkError.invalid("send", "the identity is empty") }
        try outgoing.push(.direct(identity: identity, payload: payload), operation: "send to agent")
    }

    /// Sends what is queued, closes the sockets (each lingers at most 100 ms) and ends
    /// `incoming`. Waits at most one second for the thread; idempotent, and also run by deinit.
    public func close() {
        guard outgoing.close() else { return }
        thread.join(withinMilliseconds: 1_000)
        continuation.finish()
    }

    /// The counters so far.
    public var counters: LinkCounters { monitor.snapshot }

    /// Why the link's thread stopped on its own (a libzmq failure), or nil.
    public var failure: LinkError? { monitor.failure.withLock { $0 } }
}
