#if canImport(Glibc)
import Glibc
#endif

/// A process as the ledger records it: a pid and the time that pid started.
///
/// A pid alone is not an identity: after a crash and a reboot, or just enough forks, the
/// kernel hands the same number to an unrelated process. The start time (`/proc/<pid>/stat`
/// field 22, clock ticks after boot) tells them apart, so nothing here signals a process whose
/// start time differs from the recorded one.
public struct ProcessIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The process id.
    public let pid: Int32
    /// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks after boot.
    public let startTime: Int64

    /// Wraps a recorded identity.
    public init(pid: Int32, startTime: Int64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// `pid 1234 (started at tick 5678)`.
    public var description: String { "pid \(pid) (started at tick \(startTime))" }

    /// This process.
    public static var current: ProcessIdentity? { of(pid: getpid()) }

    /// The process that has `pid` now, or nil when there is none.
    public static func of(pid: Int32) -> ProcessIdentity? {
        ProcessStat.read(pid: pid).map { ProcessIdentity(pid: pid, startTime: $0.startTime) }
    }

    /// True when the recorded process still runs: the pid exists, started at the recorded
    /// time, and is not a zombie (which has exited and only waits for its parent to reap it).
    public var isAlive: Bool {
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.startTime == startTime && stat.state != "Z" && stat.state != "X"
    }

    /// True when the pid now belongs to a different process than the one recorded.
    public var isRecycled: Bool {
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.startTime != startTime
    }
}

/// The two fields of `/proc/<pid>/stat` the ledger needs.
struct ProcessStat: Equatable {
    /// Field 3: R, S, D, Z (zombie), T, X (dead), ...
    var state: Character
    /// Field 22: start time in clock ticks after boot.
    var startTime: Int64

    /// Reads `/proc/<pid>/stat`; nil when the process does not exist (or /proc is not Linux's).
    static func read(pid: Int32) -> ProcessStat? {
        guard pid > 0, let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return parse(text)
    }

    /// Parses a stat line. Field 2 is the command name in parentheses and may itself contain
    /// spaces and parentheses, so fields are counted from the *last* closing parenthesis.
    static func parse(_ text: String) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state), so field 22 is rest[19].
        guard rest.count > 19, let state = rest[0].first, let start = Int64(rest[19]) else { return nil }
        return ProcessStat(state: state, startTime: start)
    }

    /// Reads a /proc file, whose size `stat` reports as 0, by reading until end of file.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
