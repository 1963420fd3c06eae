import CZeroMQ

/// The agent link's thread: owns the SUB and DEALER sockets and moves frames between them and
/// the async side.
///
/// `@unchecked Sendable` because it holds libzmq sockets, which are not thread-safe: it is built
/// on the caller's thread, handed to the link thread once (`pthread_create` is a full memory
/// barrier, which is what libzmq requires to migrate a socket) and from then on touched only by
/// that thread, together with `backlog`. Everything it shares with other threads (queue,
/// monitor, continuation) is itself Sendable.
final class AgentLoop: @unchecked Sendable {
    /// Messages taken from one socket before looking at the others.
    private static let batch = 256

    private let context: ZmqContext
    private let sub: ZmqSocket
    private let dealer: ZmqSocket
    /// PAIR sockets carrying the SUB's and the DEALER's handshake events.
    private let eventSockets: [ZmqSocket]
    private let topics: Set<[UInt8]>
    private let outgoing: OutgoingQueue<[UInt8]>
    private let monitor: LinkMonitor
    private let continuation: AsyncStream<AgentFrame>.Continuation
    /// Frames taken from the queue that the DEALER has not accepted yet (its high-water mark is
    /// reached). Refilled only when empty, so memory stays bounded by twice the queue capacity.
    private var backlog: [[UInt8]] = []
    private var next = 0

    init(
        context: ZmqContext, sub: ZmqSocket, dealer: ZmqSocket, eventSockets: [ZmqSocket], topics: Set<[UInt8]>,
        outgoing: OutgoingQueue<[UInt8]>, monitor: LinkMonitor, continuation: AsyncStream<AgentFrame>.Continuation
    ) {
        self.context = context
        self.sub = sub
        self.dealer = dealer
        self.eventSockets = eventSockets
        self.topics = topics
        self.outgoing = outgoing
        self.monitor = monitor
        self.continuation = continuation
    }

    /// Polls until the queue is closed or libzmq fails, then closes everything it owns.
    func run() {
        defer { shutDown() }
        do {
            var items = [
                sub.pollItem(events: ZMQ_POLLIN),
                dealer.pollItem(events: ZMQ_POLLIN),
                ZmqPoll.item(fd: outgoing.wakeup.fd, events: ZMQ_POLLIN),
            ] + eventSockets.map { $0.pollItem(events: ZMQ_POLLIN) }
            while true {
                // Ask for POLLOUT only while something waits, or zmq_poll would spin.
                items[1].events = Int16(ZMQ_POLLIN | (next < backlog.count ? ZMQ_POLLOUT : 0))
                try ZmqPoll.wait(&items, timeoutMilliseconds: -1)
                if ZmqPoll.has(items[2], ZMQ_POLLIN) { outgoing.wakeup.drain() }
                let closing = outgoing.isClosed
                try receivePublished()
                try receiveDirect()
                try receiveHandshakeEvents()
                try sendQueued()
                if closing { return }
            }
        } catch {
            monitor.fail(error)
        }
    }

    private func deliver(_ frame: AgentFrame) {
        if case .dropped = continuation.yield(frame) {
            monitor.bump(.incomingDropped)
        } else {
            monitor.bump(.framesIn)
        }
    }

    private func receivePublished() throws {
        for _ in 0..<Self.batch {
            guard let message = try sub.receive() else { return }
            guard message.frames.count == 2 else {
                monitor.bump(.malformedDropped)
                continue
            }
            // libzmq subscriptions match prefixes, so "agent-1" also receives "agent-12";
            // only exact topics are ours.
            guard topics.contains(message.frames[0]) else { continue }
            deliver(.published(topic: String(decoding: message.frames[0], as: UTF8.self), payload: message.frames[1]))
        }
    }

    private func receiveDirect() throws {
        for _ in 0..<Self.batch {
            guard let message = try dealer.receive() else { return }
            guard message.frames.count == 1 else {
                monitor.bump(.malformedDropped)
                continue
            }
            deliver(.direct(payload: message.frames[0]))
        }
    }

    /// libzmq 4.3 does not redial after the controller refuses a handshake, so a refusal is
    /// final for this link; counting it lets the agent notice and say so instead of waiting.
    private func receiveHandshakeEvents() throws {
        for events in eventSockets {
            while let message = try events.receive() {
                // First frame: the 16-bit event in host byte order, then a 32-bit value.
                guard let first = message.frames.first, first.count >= 2 else { continue }
                let event = Int32(first.withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) })
                if event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED {
                    monitor.bump(.acceptedConnections)
                } else {
                    monitor.bump(.rejectedConnections)
                }
            }
        }
    }

    /// Hands frames to the DEALER until it would block. Before the connection is up the DEALER
    /// queues them itself (ZMQ_IMMEDIATE off), up to its high-water mark; past that they wait
    /// in `backlog` and then in the bounded queue, whose `push` throws when full.
    private func sendQueued() throws {
        while true {
            if next == backlog.count {
                backlog = outgoing.takeAll()
                next = 0
                if backlog.isEmpty { return }
            }
            guard try dealer.send([backlog[next]]) else { return }
            next += 1
            monitor.bump(.framesOut)
        }
    }

    private func shutDown() {
        // Whatever libzmq never accepted is lost with the link; count it rather than hide it.
        let unsent = backlog.count - next + outgoing.takeAll().count
        for _ in 0..<unsent { monitor.bump(.outgoingDropped) }
        sub.close()
        dealer.close()
        for events in eventSockets { events.close() }
        context.terminate()
        continuation.finish()
    }
}
