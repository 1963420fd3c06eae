import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// Many agents' ends of the wire in one process (`kb-agent swarm`): each member has its own SUB
/// and DEALER socket, CURVE key pair and routing identity, exactly as an `AgentLink` would, so
/// the controller under test sees one connection pair per agent and cannot tell the difference.
/// What is shared is only what the controller never sees: one libzmq context (one I/O thread)
/// and one thread that polls every member's sockets.
///
/// Threading as `AgentLink`: the sockets belong to the link's thread; `send` only queues.
/// No handshake monitor per member (it would cost two more sockets each): a member whose key
/// is refused simply never hears a Welcome.
public final class SwarmLink: Sendable {
    /// One agent of the swarm.
    public struct Member: Sendable {
        /// The controller's PUB and ROUTER endpoints.
        public let pubEndpoint: String
        public let routerEndpoint: String
        /// The controller's Z85 public key.
        public let serverPublicKey: String
        /// The member's own key pair, admitted by the controller.
        public let keys: CurveKeyPair
        /// Its DEALER routing identity (the agent id).
        public let identity: [UInt8]
        /// Exact topics to receive.
        public let topics: [String]

        /// A member.
        public init(
            pubEndpoint: String, routerEndpoint: String, serverPublicKey: String, keys: CurveKeyPair,
            identity: [UInt8], topics: [String]
        ) {
            self.pubEndpoint = pubEndpoint
            self.routerEndpoint = routerEndpoint
            self.serverPublicKey = serverPublicKey
            self.keys = keys
            self.identity = identity
            self.topics = topics
        }
    }

    /// A frame for member `member` (its index in `members`).
    public struct Frame: Sendable {
        public let member: Int
        public let frame: AgentFrame
    }

    /// Frames for every member, in arrival order. Single consumer.
    public let incoming: AsyncStream<Frame>
    /// How many members the link holds.
    public let count: Int

    private let outgoing: OutgoingQueue<SwarmLoop.Outgoing>
    private let monitor = LinkMonitor()
    private let continuation: AsyncStream<Frame>.Continuation
    private let thread: LinkThread

    /// Connects every member and starts the link's thread.
    public init(members: [Member], sendQueueCapacity: Int = 100_000, incomingBufferLimit: Int = 1_000_000) throws {
        guard !members.isEmpty else { throw LinkError.invalid("SwarmLink", "needs at least one member") }
        // Two sockets per member, plus libzmq's own few.
        let context = try ZmqContext(maxSockets: 2 * members.count + 16, ioThreads: 1)
        var sockets: [(sub: ZmqSocket, dealer: ZmqSocket, topics: Set<[UInt8]>)] = []
        sockets.reserveCapacity(members.count)
        for member in members {
            _ = try CurveKeyPair.validatedKey(member.serverPublicKey, role: "server public key")
            guard (1...255).contains(member.identity.count), member.identity[0] != 0 else {
                throw LinkError.invalid("SwarmLink identity", "must be 1 to 255 bytes and not start with a zero byte")
            }
            let sub = try ZmqSocket(context, type: ZMQ_SUB, name: "SUB")
            try sub.applyLinkDefaults(heartbeats: false)
            try sub.applyCurveClient(member.keys, serverPublicKey: member.serverPublicKey)
            for topic in member.topics { try sub.set(ZMQ_SUBSCRIBE, bytes: Array(topic.utf8), "ZMQ_SUBSCRIBE \(topic)") }
            try sub.connect(member.pubEndpoint)
            let dealer = try ZmqSocket(context, type: ZMQ_DEALER, name: "DEALER")
            try dealer.applyLinkDefaults(heartbeats: false)
            try dealer.applyCurveClient(member.keys, serverPublicKey: member.serverPublicKey)
            try dealer.set(ZMQ_ROUTING_ID, bytes: member.identity, "ZMQ_ROUTING_ID")
            try dealer.set(ZMQ_IMMEDIATE, 0, "ZMQ_IMMEDIATE")
            try dealer.connect(member.routerEndpoint)
            sockets.append((sub, dealer, Set(member.topics.map { Array($0.utf8) })))
        }
        let outgoing = try OutgoingQueue<SwarmLoop.Outgoing>(capacity: sendQueueCapacity)
        let (incoming, continuation) = AsyncStream.makeStream(of: Frame.self, bufferingPolicy: .bufferingOldest(incomingBufferLimit))
        let loop = SwarmLoop(context: context, sockets: sockets, outgoing: outgoing, monitor: monitor, continuation: continuation)
        thread = try LinkThread(name: "kb-swarm-link", body: loop.run)
        self.count = members.count
        self.incoming = incoming
        self.continuation = continuation
        self.outgoing = outgoing
    }

    deinit { close() }

    /// Queues `payload` for the controller from member `member`.
    public func send(_ payload: [UInt8], from member: Int) throws {
        guard (0..<count).contains(member) else { throw LinkError.invalid("SwarmLink send", "no member \(member)") }
        try outgoing.push(.init(member: member, payload: payload), operation: "send to controller")
    }

    /// Hands what is queued to libzmq, closes every socket and ends `incoming`; idempotent.
    public func close() {
        guard outgoing.close() else { return }
        thread.join(withinMilliseconds: 2_000)
        continuation.finish()
    }

    /// The counters so far (`acceptedConnections` and `rejectedConnections` stay 0: no monitor).
    public var counters: LinkCounters { monitor.snapshot }

    /// Why the link's thread stopped on its own, or nil.
    public var failure: LinkError? { monitor.failure.withLock { $0 } }
}

/// The swarm link's thread. `@unchecked Sendable` for the reason `AgentLoop` is: its sockets
/// are handed to the thread once and touched only there.
final class SwarmLoop: @unchecked Sendable {
    struct Outgoing: Sendable {
        let member: Int
        let payload: [UInt8]
    }

    private let context: ZmqContext
    private let sockets: [(sub: ZmqSocket, dealer: ZmqSocket, topics: Set<[UInt8]>)]
    private let outgoing: OutgoingQueue<Outgoing>
    private let monitor: LinkMonitor
    private let continuation: AsyncStream<SwarmLink.Frame>.Continuation

    init(
        context: ZmqContext, sockets: [(sub: ZmqSocket, dealer: ZmqSocket, topics: Set<[UInt8]>)],
        outgoing: OutgoingQueue<Outgoing>, monitor: LinkMonitor, continuation: AsyncStream<SwarmLink.Frame>.Continuation
    ) {
        self.context = context
        self.sockets = sockets
        self.outgoing = outgoing
        self.monitor = monitor
        self.continuation = continuation
    }

    /// Waits in epoll on every socket's ZMQ_FD rather than in `zmq_poll`, which would look at
    /// all 2 × members sockets on every wake-up: here a wake-up costs what woke it.
    func run() {
        defer { shutDown() }
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else {
            monitor.fail(LinkError(kind: .closed, operation: "epoll_create1", reason: String(cString: strerror(errno))))
            return
        }
        defer { Glibc.close(epoll) }
        do {
            try watch(outgoing.wakeup.fd, as: -1, in: epoll)
            for member in sockets.indices {
                try watch(try sockets[member].sub.fileDescriptor(), as: 2 * member, in: epoll)
                try watch(try sockets[member].dealer.fileDescriptor(), as: 2 * member + 1, in: epoll)
            }
            for member in sockets.indices {
                try receivePublished(member)
                try receiveDirect(member)
            }
            var events = [epoll_event](repeating: epoll_event(), count: 1_024)
            while true {
                let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), -1) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw LinkError(kind: .closed, operation: "epoll_wait", reason: String(cString: strerror(errno)))
                }
                for event in events[0..<Int(count)] {
                    let key = Int(Int64(bitPattern: event.data.u64))
                    if key < 0 {
                        outgoing.wakeup.drain()
                    } else if key % 2 == 0 {
                        try receivePublished(key / 2)
                    } else {
                        try receiveDirect(key / 2)
                    }
                }
                let closing = outgoing.isClosed
                try sendQueued()
                if closing { return }
            }
        } catch {
            monitor.fail(error)
        }
    }

    private func watch(_ fd: Int32, as key: Int, in epoll: Int32) throws {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(bitPattern: Int64(key))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw LinkError(kind: .closed, operation: "epoll_ctl", reason: String(cString: strerror(errno)))
        }
    }

    private func deliver(_ frame: AgentFrame, to member: Int) {
        if case .dropped = continuation.yield(.init(member: member, frame: frame)) {
            monitor.bump(.incomingDropped)
        } else {
            monitor.bump(.framesIn)
        }
    }

    /// Drains the socket: ZMQ_FD does not signal again for messages already waiting.
    private func receivePublished(_ member: Int) throws {
        while true {
            guard let message = try sockets[member].sub.receive() else { return }
            guard message.frames.count == 2 else {
                monitor.bump(.malformedDropped)
                continue
            }
            guard sockets[member].topics.contains(message.frames[0]) else { continue }
            deliver(.published(topic: String(decoding: message.frames[0], as: UTF8.self), payload: message.frames[1]), to: member)
        }
    }

    private func receiveDirect(_ member: Int) throws {
        while true {
            guard let message = try sockets[member].dealer.receive() else { return }
            guard message.frames.count == 1 else {
                monitor.bump(.malformedDropped)
                continue
            }
            deliver(.direct(payload: message.frames[0]), to: member)
        }
    }

    /// A DEALER at its high-water mark (1,000 frames waiting for one member) drops the frame and
    /// counts it: the controller declares a silent member lost, which is what a real agent
    /// that far behind would be.
    private func sendQueued() throws {
        var sent = Set<Int>()
        for frame in outgoing.takeAll() {
            if try sockets[frame.member].dealer.send([frame.payload]) {
                monitor.bump(.framesOut)
            } else {
                monitor.bump(.outgoingDropped)
            }
            sent.insert(frame.member)
        }
        // A send may take in what arrived meanwhile and so consume the ZMQ_FD's signal.
        for member in sent { try receiveDirect(member) }
    }

    private func shutDown() {
        for _ in outgoing.takeAll() { monitor.bump(.outgoingDropped) }
        for pair in sockets {
            pair.sub.close()
            pair.dealer.close()
        }
        context.terminate()
        continuation.finish()
    }
}
