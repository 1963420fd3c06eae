import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Checks `--controller-address`: the address the controller binds its ZeroMQ sockets to and
/// agents dial, so it must be a numeric address that this machine owns.
///
/// Checked by binding a socket to it before anything is staged: libzmq's own failure comes
/// only after resources exist, and in its words ("zmq_bind ... No such device").
public enum ControllerAddress {
    /// What the option wants, for every message.
    static let expectation = "a numeric IPv4 or IPv6 address of this machine that agents can dial, such as 127.0.0.1 (local cloud) or this machine's address toward the cloud"

    /// The usage error for `address` given as `option`, or nil when it is usable.
    public static func problem(with address: String, option: String = "--controller-address") -> ValidationError? {
        func refuse(_ why: String) -> ValidationError {
            ValidationError("\(option) \(address): \(why); give \(expectation)")
        }
        if address.hasPrefix("[") { return refuse("write an IPv6 address without brackets") }
        guard let family = family(of: address) else { return refuse("not a numeric IP address (host names are not accepted)") }
        if address == "0.0.0.0" || address == "::" {
            return refuse("this means every address of the machine, which agents cannot dial")
        }
        switch bindable(address, family: family) {
        case 0: return nil
        case EADDRNOTAVAIL: return refuse("not an address of this machine (see `ip -brief address`)")
        case let code: return refuse("cannot listen on it (\(String(cString: strerror(code))))")
        }
    }

    /// AF_INET or AF_INET6 when `address` is a numeric address of that family.
    private static func family(of address: String) -> Int32? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return AF_INET }
        if inet_pton(AF_INET6, address, &v6) == 1 { return AF_INET6 }
        return nil
    }

    /// 0 when a TCP socket binds to `address` on a free port, else the errno of the failure.
    private static func bindable(_ address: String, family: Int32) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var result: Int32
        if family == AF_INET {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, address, &socketAddress.sin_addr)
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            inet_pton(AF_INET6, address, &socketAddress.sin6_addr)
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        return result == 0 ? 0 : errno
    }
}
