#if canImport(Glibc)
import Glibc
#endif

/// Whether a TCP port on a loopback address is free to listen on: the check that keeps a
/// local run off addresses something else serves on (another state directory's run, a
/// leftover nginx), whatever any ledger says.
public enum LoopbackProbe {
    /// True when a listening socket could be bound to `address:port` now. SO_REUSEADDR is set,
    /// so connections of an earlier run in TIME_WAIT do not count; SO_REUSEPORT is not, so a
    /// listener that set it (nginx with `reuseport`) does.
    public static func canListen(address: String, port: Int) -> Bool {
        var sockaddr = sockaddr_in()
        sockaddr.sin_family = sa_family_t(AF_INET)
        sockaddr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &sockaddr.sin_addr) == 1 else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &sockaddr) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }
}
