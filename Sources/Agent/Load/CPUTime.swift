#if canImport(Glibc)
import Glibc
#endif

/// CPU time used by this process (all threads), user and system, in seconds.
///
/// A load generator that saturates its own CPU measures itself, not the target; reporting the
/// CPU it used next to the request rate is how a reader tells the two apart.
public struct CPUTime: Sendable, Equatable {
    /// Seconds spent in user mode.
    public var user: Double
    /// Seconds spent in the kernel on the process's behalf.
    public var system: Double

    /// Explicit values.
    public init(user: Double, system: Double) {
        self.user = user
        self.system = system
    }

    /// The process's CPU time so far (getrusage RUSAGE_SELF).
    public static func now() -> CPUTime {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return CPUTime(user: 0, system: 0) }
        return CPUTime(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    /// The CPU time used since `earlier`.
    public func subtracting(_ earlier: CPUTime) -> CPUTime {
        CPUTime(user: max(0, user - earlier.user), system: max(0, system - earlier.system))
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }
}
