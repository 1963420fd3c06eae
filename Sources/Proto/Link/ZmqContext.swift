import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A libzmq context: its I/O thread and its private `inproc://` namespace.
///
/// Every link owns one, so the ZAP handler endpoint (`inproc://zeromq.zap.01`, which libzmq looks
/// up per context) never collides between two links in one process, and closing one link
/// cannot stall on another's sockets.
final class ZmqContext {
    /// Nil once terminated.
    private(set) var handle: UnsafeMutableRawPointer?

    /// A context. `maxSockets` raises libzmq's bound of 1,023 sockets per context (the swarm
    /// holds two per member); `ioThreads` sets how many threads do the wire's I/O and CURVE.
    init(maxSockets: Int? = nil, ioThreads: Int? = nil) throws {
        try Zmq.requireCurve()
        guard let handle = zmq_ctx_new() else { throw Zmq.error("zmq_ctx_new", code: zmq_errno()) }
        self.handle = handle
        // Not blocky: sockets default to linger 0, so a forgotten option can never make
        // zmq_ctx_term wait forever for an unreachable peer.
        try Zmq.call("zmq_ctx_set ZMQ_BLOCKY") { zmq_ctx_set(handle, ZMQ_BLOCKY, 0) }
        if let maxSockets {
            try Zmq.call("zmq_ctx_set ZMQ_MAX_SOCKETS \(maxSockets)") { zmq_ctx_set(handle, ZMQ_MAX_SOCKETS, Int32(clamping: maxSockets)) }
        }
        if let ioThreads {
            try Zmq.call("zmq_ctx_set ZMQ_IO_THREADS \(ioThreads)") { zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads)) }
        }
    }

    /// Ends the context. Call only after closing every socket made from it (zmq_ctx_term waits
    /// for them); it then waits at most for the sockets' linger. Idempotent.
    func terminate() {
        guard let handle else { return }
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
        self.handle = nil
    }

    // Each socket holds its context, so by now every socket is closed.
    deinit { terminate() }
}
