#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket connected to one health manager (`host:port`, an IPv4 or IPv6 literal), which
/// sends one heartbeat per call, or many equal-sized ones in a single call with UDP
/// segmentation offload (GSO) where the kernel has it.
///
/// Connected, because the kernel then resolves the route once rather than per datagram (about
/// a third of a loopback `sendto`). Failures are thrown and never retried, so callers count
/// them; a connected socket also reports an earlier datagram's ICMP "port unreachable" as
/// `ECONNREFUSED` on a later send.
public final class HeartbeatSocket {
    /// Linux's `UDP_SEGMENT` socket option (netinet/udp.h, Linux 4.18) at level `SOL_UDP`.
    private static let udpSegment: Int32 = 103
    private static let solUDP: Int32 = 17
    /// The most segments one GSO send may carry (the kernel's UDP_MAX_SEGMENTS).
    public static let maxSegments = 64

    private let descriptor: Int32
    /// The segment size set on the socket now; 0 for none.
    private var segmentSize = 0

    /// A socket connected to `host` (an address literal such as `127.0.0.1`) and `port`.
    public init(host: String, port: Int) throws {
        var address = sockaddr_storage()
        var length: socklen_t = 0
        let family = withUnsafeMutablePointer(to: &address) { storage -> Int32 in
            storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                if inet_pton(AF_INET, host, &v4.pointee.sin_addr) == 1 {
                    v4.pointee.sin_family = sa_family_t(AF_INET)
                    v4.pointee.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
                    length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    return AF_INET
                }
                return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    guard inet_pton(AF_INET6, host, &v6.pointee.sin6_addr) == 1 else { return -1 }
                    v6.pointee.sin6_family = sa_family_t(AF_INET6)
                    v6.pointee.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
                    length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                    return AF_INET6
                }
            }
        }
        guard family >= 0, (1...65_535).contains(port) else {
            throw HeartbeatError.socket(operation: "address \(host):\(port)", errno: EINVAL)
        }
        descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HeartbeatError.socket(operation: "socket", errno: errno) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
        }
        guard connected == 0 else {
            let error = errno
            close(descriptor)
            throw HeartbeatError.socket(operation: "connect \(host):\(port)", errno: error)
        }
    }

    deinit {
        close(descriptor)
    }

    /// Sends one datagram; EINTR is retried, anything else thrown.
    public func send(_ datagram: UnsafeRawBufferPointer) throws {
        try segment(0)
        try sendAll(datagram, operation: "send")
    }

    /// Sends `datagrams`, laid end to end, as datagrams of `size` bytes each (the last may be
    /// shorter) in one system call: the kernel cuts them apart (UDP GSO). Throws `.socket` with
    /// the errno when the kernel or the route cannot (ENOPROTOOPT: no GSO; EINVAL: a segment
    /// over the path MTU, or too many); the caller then sends them one by one.
    public func send(_ datagrams: UnsafeRawBufferPointer, segmentSize size: Int) throws {
        try segment(size)
        try sendAll(datagrams, operation: "send (GSO)")
    }

    private func segment(_ size: Int) throws {
        guard size != segmentSize else { return }
        var value = Int32(size)
        guard setsockopt(descriptor, Self.solUDP, Self.udpSegment, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw HeartbeatError.socket(operation: "setsockopt(UDP_SEGMENT)", errno: errno)
        }
        segmentSize = size
    }

    private func sendAll(_ bytes: UnsafeRawBufferPointer, operation: String) throws {
        while true {
            if Glibc.send(descriptor, bytes.baseAddress, bytes.count, 0) >= 0 { return }
            if errno != EINTR { throw HeartbeatError.socket(operation: operation, errno: errno) }
        }
    }
}
