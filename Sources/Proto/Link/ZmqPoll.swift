import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Waiting on libzmq sockets and plain file descriptors together, which lets a link's thread
/// sleep until either the network or the async side (through an eventfd) has something.
enum ZmqPoll {
    /// Blocks until an item is ready or `timeoutMilliseconds` pass (-1 waits forever); fills in
    /// each item's `revents`. Only ever called on a link's own thread, never on the cooperative pool.
    static func wait(_ items: inout [zmq_pollitem_t], timeoutMilliseconds: Int) throws {
        let count = Int32(items.count)
        _ = try items.withUnsafeMutableBufferPointer { buffer in
            try Zmq.call("zmq_poll") { zmq_poll(buffer.baseAddress, count, timeoutMilliseconds) }
        }
    }

    /// An item for a plain file descriptor (our eventfd).
    static func item(fd: Int32, events: Int32) -> zmq_pollitem_t {
        zmq_pollitem_t(socket: nil, fd: fd, events: Int16(events), revents: 0)
    }

    /// Whether `item` reported `event` (ZMQ_POLLIN or ZMQ_POLLOUT).
    static func has(_ item: zmq_pollitem_t, _ event: Int32) -> Bool {
        Int32(item.revents) & event != 0
    }
}
