#if canImport(Glibc)
import Glibc
#endif

/// The wall clock in Unix nanoseconds, the unit of every time on the wire.
///
/// `Date` carries a `Double` of seconds, which rounds today's times to about 250 ns; the clock
/// offset and the start instant are compared in nanoseconds, so this reads `CLOCK_REALTIME`.
public enum WallClock {
    /// Now, Unix ns.
    public static func nowUnixNs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
