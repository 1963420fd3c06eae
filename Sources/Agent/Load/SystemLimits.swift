#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The limits of this host that decide how much load one process can open: file descriptors,
/// ephemeral ports and CPUs. A value type so that validation can be tested with any limits.
public struct SystemLimits: Sendable, Equatable {
    /// The soft RLIMIT_NOFILE of this process; nil when unlimited or unknown.
    public var openFiles: UInt64?
    /// How many local ports the kernel hands out to one source address for one destination;
    /// nil when unknown.
    public var ephemeralPorts: Int?
    /// Online CPUs, the default thread count.
    public var cpus: Int

    /// Descriptors the process keeps besides its connections: stdio, epoll and event fds per
    /// thread, the runtime's own, and slack for the files it writes.
    public static let reservedFileDescriptors: UInt64 = 64

    /// Limits given explicitly (for tests and for planning another host).
    public init(openFiles: UInt64?, ephemeralPorts: Int?, cpus: Int) {
        self.openFiles = openFiles
        self.ephemeralPorts = ephemeralPorts
        self.cpus = cpus
    }

    /// The limits of this process on this host, read now.
    public static var current: SystemLimits {
        var limit = rlimit()
        var openFiles: UInt64?
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {  // RLIM_INFINITY is (rlim_t)-1, which Swift cannot import
            openFiles = UInt64(limit.rlim_cur)
        }
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return SystemLimits(openFiles: openFiles, ephemeralPorts: readEphemeralPorts(), cpus: cpus)
    }

    /// Parses /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"), which also governs IPv6.
    static func readEphemeralPorts() -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/sys/net/ipv4/ip_local_port_range") else {
            return nil
        }
        let numbers = String(decoding: data, as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .compactMap { Int($0) }
        guard numbers.count == 2, numbers[1] >= numbers[0] else { return nil }
        return numbers[1] - numbers[0] + 1
    }
}
