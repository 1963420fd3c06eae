import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// One libzmq socket. libzmq sockets are not thread-safe: a socket is created on one thread,
/// handed once to its link's I/O thread (the thread start is the memory barrier libzmq asks for)
/// and used only there until it is closed.
final class ZmqSocket {
    /// A multipart message as received: its frames and the ZAP user id of the connection it
    /// came from, if the socket authenticates peers.
    struct Message {
        var frames: [[UInt8]]
        var userId: String?
    }

    /// Keeps the context alive while the socket is open: zmq_ctx_term waits for every socket.
    private let context: ZmqContext
    private(set) var handle: UnsafeMutableRawPointer?
    /// For error messages: `ROUTER`, `PUB`, …
    let name: String

    init(_ context: ZmqContext, type: Int32, name: String) throws {
        guard let contextHandle = context.handle else { throw LinkError.closed("zmq_socket \(name)") }
        guard let handle = zmq_socket(contextHandle, type) else {
            throw Zmq.error("zmq_socket \(name)", code: zmq_errno())
        }
        self.context = context
        self.handle = handle
        self.name = name
    }

    deinit { close() }

    /// Closes the socket now; pending outgoing messages get the socket's linger. Idempotent.
    func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    private func open(_ operation: String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw LinkError.closed("\(operation) on \(name)") }
        return handle
    }

    func set(_ option: Int32, _ value: Int32, _ optionName: String) throws {
        let handle = try open("zmq_setsockopt \(optionName)")
        var value = value
        try Zmq.call("zmq_setsockopt \(name) \(optionName)=\(value)") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
        }
    }

    func set(_ option: Int32, int64 value: Int64, _ optionName: String) throws {
        let handle = try open("zmq_setsockopt \(optionName)")
        var value = value
        try Zmq.call("zmq_setsockopt \(name) \(optionName)=\(value)") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size)
        }
    }

    /// The socket's ZMQ_FD: readable when its state may have changed (edge-like: drain with
    /// `receive()` until nil after every wake-up and after every send).
    func fileDescriptor() throws -> Int32 {
        let handle = try open("zmq_getsockopt ZMQ_FD")
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        try Zmq.call("zmq_getsockopt \(name) ZMQ_FD") { zmq_getsockopt(handle, ZMQ_FD, &fd, &size) }
        return fd
    }

    /// Sets a binary or string option; the operation text never includes the value because
    /// some of them are secret keys.
    func set(_ option: Int32, bytes: [UInt8], _ optionName: String) throws {
        let handle = try open("zmq_setsockopt \(optionName)")
        try Zmq.call("zmq_setsockopt \(name) \(optionName)") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }

    func bind(_ endpoint: String) throws {
        let handle = try open("zmq_bind")
        try Zmq.call("zmq_bind \(name) \(endpoint)") { zmq_bind(handle, endpoint) }
    }

    func connect(_ endpoint: String) throws {
        let handle = try open("zmq_connect")
        try Zmq.call("zmq_connect \(name) \(endpoint)") { zmq_connect(handle, endpoint) }
    }

    /// The endpoint the last bind resolved to: with port `*` this is where the kernel put us.
    func lastEndpoint() throws -> String {
        let handle = try open("zmq_getsockopt ZMQ_LAST_ENDPOINT")
        var buffer = [CChar](repeating: 0, count: 512)
        var length = buffer.count
        try Zmq.call("zmq_getsockopt \(name) ZMQ_LAST_ENDPOINT") {
            zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &length)
        }
        return Zmq.string(buffer)
    }

    /// Sends `frames` as one multipart message without blocking; returns false if the socket
    /// would block (high-water mark reached or no peer), in which case nothing was sent.
    /// libzmq checks the high-water mark only on the first part and delivers parts atomically,
    /// so a message is never half sent.
    func send(_ frames: [[UInt8]]) throws -> Bool {
        let handle = try open("zmq_send")
        for (index, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (index < frames.count - 1 ? ZMQ_SNDMORE : 0)
            let sent = try Zmq.attempt("zmq_send \(name) part \(index)") {
                frame.withUnsafeBytes { raw in
                    // An empty array may have no storage; libzmq copies zero bytes from any pointer.
                    var empty: UInt8 = 0
                    return raw.baseAddress.map { zmq_send(handle, $0, raw.count, flags) }
                        ?? zmq_send(handle, &empty, 0, flags)
                }
            }
            if sent == nil {
                precondition(index == 0, "libzmq refused part \(index) of an atomic multipart message")
                return false
            }
        }
        return true
    }

    /// Receives one whole multipart message without blocking; nil when none is waiting.
    func receive() throws -> Message? {
        let handle = try open("zmq_msg_recv")
        var message = Message(frames: [], userId: nil)
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        while true {
            // Parts after the first are already here (messages arrive whole), so DONTWAIT
            // never splits a message.
            guard try Zmq.attempt("zmq_msg_recv \(name)", { zmq_msg_recv(&msg, handle, ZMQ_DONTWAIT) }) != nil else {
                precondition(message.frames.isEmpty, "libzmq returned part of a multipart message")
                return nil
            }
            let size = zmq_msg_size(&msg)
            let frame = size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: zmq_msg_data(&msg), count: size))
            // A ROUTER makes the identity frame itself, without connection metadata, so every
            // part is asked until one carries the user id.
            if message.userId == nil, let userId = zmq_msg_gets(&msg, "User-Id") {
                message.userId = String(cString: userId)
            }
            message.frames.append(frame)
            if zmq_msg_more(&msg) == 0 { return message }
        }
    }

    /// Has libzmq report this socket's `events` (ZMQ_EVENT_* bits) on `endpoint` (inproc) and
    /// returns a PAIR socket connected there, which receives each event as two frames.
    func monitor(_ endpoint: String, events: Int32) throws -> ZmqSocket {
        let handle = try open("zmq_socket_monitor")
        try Zmq.call("zmq_socket_monitor \(name) \(endpoint)") { zmq_socket_monitor(handle, endpoint, events) }
        let pair = try ZmqSocket(context, type: ZMQ_PAIR, name: "\(name) monitor")
        try pair.set(ZMQ_LINGER, 0, "ZMQ_LINGER")
        try pair.connect(endpoint)
        return pair
    }

    /// A poll item for `zmq_poll`, which is the only way to wait on a libzmq socket.
    func pollItem(events: Int32) -> zmq_pollitem_t {
        zmq_pollitem_t(socket: handle, fd: -1, events: Int16(events), revents: 0)
    }
}
