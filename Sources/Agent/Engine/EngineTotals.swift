import Proto

/// What the engine has done since it started (a cumulative snapshot), or, after
/// `subtracting(_:)`, during one interval.
///
/// Latencies are in microseconds, timed from the intended send when a rate is set. `lag` is how
/// late the engine itself sent against its schedule (empty without a rate).
public struct EngineTotals: Sendable, Equatable {
    /// Complete responses, any status.
    public var requests: UInt64 = 0
    /// Bytes received, headers and bodies.
    public var bytesRead: UInt64 = 0
    /// Bytes sent.
    public var bytesWritten: UInt64 = 0
    /// Connections established.
    public var connects: UInt64 = 0
    /// Failures by kind.
    public var errors = ErrorCounts()
    /// Why the failures happened, by kind (the first of each kind since the start).
    public var errorReasons = ErrorReasons()
    /// Responses by status code; codes never seen are absent. Key 0 collects codes outside 100-599.
    public var statusCodes: [Int: UInt64] = [:]
    /// Latency of complete responses, in microseconds.
    public var latency = Histogram()
    /// Lateness of sends against the rate schedule, in microseconds.
    public var lag = Histogram()
    /// Exact smallest latency in microseconds; nil when no response completed.
    public var latencyMin: Int64?
    /// Exact largest latency in microseconds; 0 when no response completed.
    public var latencyMax: Int64 = 0
    /// Largest send lag in microseconds.
    public var lagMax: Int64 = 0
    /// Connections open when the snapshot was taken (a gauge, not a count).
    public var openConnections: Int = 0

    /// All zero.
    public init() {}

    /// The totals of the interval between `earlier` and `self`, two snapshots of one engine.
    ///
    /// Counters and histograms are differences. Exact minimum and maximum cannot be taken apart
    /// by interval, so they come from the interval's histogram (within its 3 significant
    /// figures); `openConnections` and `errorReasons` stay the later readings.
    public func subtracting(_ earlier: EngineTotals) throws -> EngineTotals {
        var delta = EngineTotals()
        delta.requests = requests.saturatingMinus(earlier.requests)
        delta.bytesRead = bytesRead.saturatingMinus(earlier.bytesRead)
        delta.bytesWritten = bytesWritten.saturatingMinus(earlier.bytesWritten)
        delta.connects = connects.saturatingMinus(earlier.connects)
        delta.errors = errors.subtracting(earlier.errors)
        delta.errorReasons = errorReasons  // the first reason of a run explains its intervals too
        for (code, count) in statusCodes {
            let difference = count.saturatingMinus(earlier.statusCodes[code] ?? 0)
            if difference > 0 { delta.statusCodes[code] = difference }
        }
        delta.latency = try latency.subtracting(earlier.latency)
        delta.lag = try lag.subtracting(earlier.lag)
        delta.latencyMin = delta.latency.totalCount > 0 ? delta.latency.minValue : nil
        delta.latencyMax = delta.latency.totalCount > 0 ? delta.latency.maxValue : 0
        delta.lagMax = delta.lag.totalCount > 0 ? delta.lag.maxValue : 0
        delta.openConnections = openConnections
        return delta
    }
}
