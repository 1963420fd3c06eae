#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking self-pipe: the async side writes to it, a link's thread polls its read end
/// next to its libzmq sockets. Async code cannot touch the sockets (they belong to the thread),
/// so this is how "there is something to send" and "stop" reach the thread. A pipe rather than
/// an eventfd because Swift's Glibc module does not import `eventfd`.
final class Wakeup: Sendable {
    /// The end to poll for readability; open until deinit.
    let fd: Int32
    private let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        // zmq_errno is the thread's errno, so Zmq.call maps kernel failures too.
        try Zmq.call("pipe") { pipe(&ends) }
        for end in ends {
            // Non-blocking: a full pipe must never block a sender (it is readable already), and
            // draining must stop when empty. Close-on-exec: agents spawn nginx and must not leak.
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    /// Makes `fd` readable. Never blocks; a full pipe (EAGAIN) is readable already.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe; every signal sent before this call is consumed.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(fd, &buffer, buffer.count) > 0 {}
    }

    /// Waits up to `milliseconds` for a signal without consuming it; true if one came.
    func wait(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&entry, 1, milliseconds)
            if result >= 0 { return result > 0 }
            // EINTR: retrying with the full timeout can only lengthen the bounded wait slightly.
            if errno != EINTR { return false }
        }
    }
}
