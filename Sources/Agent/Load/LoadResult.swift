/// One reporting interval of a run: what the engine did between two snapshots.
public struct IntervalSample: Sendable, Equatable {
    /// Seconds from the start of the run to the start of this interval.
    public var startOffset: Double
    /// Measured length of the interval in seconds (snapshots are not exactly on the tick).
    public var length: Double
    /// The engine's totals over this interval (differences of two cumulative snapshots).
    public var totals: EngineTotals

    /// An interval.
    public init(startOffset: Double, length: Double, totals: EngineTotals) {
        self.startOffset = startOffset
        self.length = length
        self.totals = totals
    }

    /// Responses per second over the interval.
    public var requestsPerSecond: Double { length > 0 ? Double(totals.requests) / length : 0 }

    /// Bytes read per second over the interval.
    public var bytesReadPerSecond: Double { length > 0 ? Double(totals.bytesRead) / length : 0 }
}

/// Everything a finished run measured: the final cumulative totals, the intervals, the wall and
/// CPU time it took.
public struct LoadResult: Sendable, Equatable {
    /// The plan that was run.
    public var plan: LoadPlan
    /// Wall-clock seconds from engine start to the stop request.
    public var duration: Double
    /// Process CPU time used over the run (engine threads and everything else).
    public var cpu: CPUTime
    /// The engine's final totals, exact after stop.
    public var totals: EngineTotals
    /// One entry per reporting interval; empty without an interval.
    public var intervals: [IntervalSample]
    /// Unix time (seconds) at which the load started, for histogram logs.
    public var startTime: Double
    /// True when the run ended early because it was interrupted (SIGINT or task cancellation).
    public var interrupted: Bool

    /// A result.
    public init(
        plan: LoadPlan, duration: Double, cpu: CPUTime, totals: EngineTotals,
        intervals: [IntervalSample], startTime: Double, interrupted: Bool
    ) {
        self.plan = plan
        self.duration = duration
        self.cpu = cpu
        self.totals = totals
        self.intervals = intervals
        self.startTime = startTime
        self.interrupted = interrupted
    }

    /// Responses per second over the run.
    public var requestsPerSecond: Double { duration > 0 ? Double(totals.requests) / duration : 0 }

    /// Bytes read per second over the run.
    public var bytesReadPerSecond: Double { duration > 0 ? Double(totals.bytesRead) / duration : 0 }
}
