import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The controller link's thread: owns the ZAP, PUB and ROUTER sockets and moves frames between
/// them and the async side.
///
/// `@unchecked Sendable` because it holds libzmq sockets, which are not thread-safe: it is built
/// on the caller's thread, handed to the link thread once (`pthread_create` is a full memory
/// barrier, which is what libzmq requires to migrate a socket) and from then on touched only by
/// that thread. Everything it shares with other threads (queue, admission list, monitor,
/// continuation) is itself Sendable.
final class ControllerLoop: @unchecked Sendable {
    /// A frame waiting to be handed to libzmq.
    enum Outgoing: Sendable {
        case publish(topic: [UInt8], payload: [UInt8])
        case direct(identity: [UInt8], payload: [UInt8])
    }

    /// Messages taken from one socket before looking at the others, so a flood on one cannot
    /// starve ZAP handshakes or the send queue.
    private static let batch = 256

    private let context: ZmqContext
    private let zap: ZmqSocket
    private let pub: ZmqSocket
    private let router: ZmqSocket
    private let outgoing: OutgoingQueue<Outgoing>
    private let admission: AdmissionList
    private let monitor: LinkMonitor
    private let continuation: AsyncStream<IncomingFrame>.Continuation

    init(
        context: ZmqContext, zap: ZmqSocket, pub: ZmqSocket, router: ZmqSocket, outgoing: OutgoingQueue<Outgoing>,
        admission: AdmissionList, monitor: LinkMonitor, continuation: AsyncStream<IncomingFrame>.Continuation
    ) {
        self.context = context
        self.zap = zap
        self.pub = pub
        self.router = router
        self.outgoing = outgoing
        self.admission = admission
        self.monitor = monitor
        self.continuation = continuation
    }

    /// Polls until the queue is closed or libzmq fails, then closes everything it owns.
    func run() {
        defer { shutDown() }
        do {
            var items = [
                zap.pollItem(events: ZMQ_POLLIN),
                router.pollItem(events: ZMQ_POLLIN),
                ZmqPoll.item(fd: outgoing.wakeup.fd, events: ZMQ_POLLIN),
            ]
            while true {
                try ZmqPoll.wait(&items, timeoutMilliseconds: -1)
                if ZmqPoll.has(items[2], ZMQ_POLLIN) { outgoing.wakeup.drain() }
                // The queue is checked before draining it so frames queued before close() still go.
                let closing = outgoing.isClosed
                try answerZap()
                try receive()
                try sendQueued()
                if closing { return }
            }
        } catch {
            monitor.fail(error)
        }
    }

    private func answerZap() throws {
        for _ in 0..<Self.batch {
            guard let request = try zap.receive() else { return }
            guard let reply = ZapHandler.reply(to: request.frames, isAdmitted: admission.contains) else { continue }
            monitor.bump(reply.allowed ? .acceptedConnections : .rejectedConnections)
            // libzmq's ZAP client is an inproc peer that always reads; a full pipe would mean a
            // stuck handshake, which libzmq times out on its own.
            _ = try zap.send(reply.frames)
        }
    }

    private func receive() throws {
        for _ in 0..<Self.batch {
            guard let message = try router.receive() else { return }
            // A DEALER sends one payload frame, which the ROUTER prefixes with its identity.
            guard message.frames.count == 2 else {
                monitor.bump(.malformedDropped)
                continue
            }
            let frame = IncomingFrame(identity: message.frames[0], publicKey: message.userId, payload: message.frames[1])
            if case .dropped = continuation.yield(frame) {
                monitor.bump(.incomingDropped)
            } else {
                monitor.bump(.framesIn)
            }
        }
    }

    private func sendQueued() throws {
        for item in outgoing.takeAll() {
            let sent: Bool
            switch item {
            case .publish(let topic, let payload):
                // PUB never blocks: past a subscriber's high-water mark libzmq drops silently.
                sent = try pub.send([topic, payload])
            case .direct(let identity, let payload):
                sent = try sendDirect(identity, payload)
            }
            monitor.bump(sent ? .framesOut : .outgoingDropped)
        }
    }

    /// With ZMQ_ROUTER_MANDATORY an unknown identity is EHOSTUNREACH instead of a silent drop;
    /// both it and a full peer (EAGAIN) are counted, and the controller's re-send covers them.
    private func sendDirect(_ identity: [UInt8], _ payload: [UInt8]) throws -> Bool {
        do {
            return try router.send([identity, payload])
        } catch let error as LinkError where error.kind == .system(errno: EHOSTUNREACH) {
            return false
        }
    }

    private func shutDown() {
        zap.close()
        pub.close()
        router.close()
        context.terminate()
        continuation.finish()
    }
}
