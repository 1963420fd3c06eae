import Foundation

/// A TCP listener on 127.0.0.1 that completes handshakes (the kernel does, from the
/// backlog) but never accepts or answers: the server that hangs.
public final class SilentListener {
    public let port: Int
    private let fd: Int32

    public init() throws {
        (fd, port) = try LoopbackSocket.bound()
        guard listen(fd, 128) == 0 else {
            close(fd)
            throw FixtureError("listen: errno \(errno)")
        }
    }

    deinit { close(fd) }
}

/// A loopback port that was free a moment ago and has nobody listening.
public enum ClosedPort {
    public static func reserve() throws -> Int {
        let (fd, port) = try LoopbackSocket.bound()
        close(fd)
        return port
    }
}

public enum LoopbackSocket {
    /// A TCP socket bound to 127.0.0.1 on a port the kernel picked.
    public static func bound() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw FixtureError("bind: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
