/// The stages of a run over the one staged set of agents: one stage with every client, or with
/// `client.progression` enabled, KloudBuster's growing client counts until the stop limit
/// holds (DESIGN.md §3 step 6).
public struct StagePlan: Sendable, Equatable {
    /// One stage: its number on the wire (from 1) and how many clients load in it.
    public struct Stage: Sendable, Equatable {
        /// `Start.stage`, from 1.
        public let number: UInt32
        /// Active clients: the first `clients` client agents (by index) still in the run.
        public let clients: Int
    }

    /// The stages, in order.
    public let stages: [Stage]
    /// The stop limit, checked after each stage when progression is enabled; nil otherwise.
    public let stopLimit: StopLimit?

    /// The plan for `totalClients` clients.
    public init(progression: Configuration.Progression, timeout: Duration, totalClients: Int) {
        let counts = progression.enabled ? progression.stageCounts(total: totalClients) : [totalClients]
        stages = counts.enumerated().map { Stage(number: UInt32($0.offset + 1), clients: $0.element) }
        stopLimit = progression.enabled
            ? StopLimit(maxSocketErrors: progression.maxSocketErrors, percentile: progression.timeoutPercentile, timeout: timeout)
            : nil
    }

    /// The same stages numbered on from `last` + 1: the next test of an interactive run, whose
    /// stages must not reuse a number (agents, the state store and the hlog key by it).
    public func continuing(after last: UInt32) -> StagePlan {
        StagePlan(stages: stages.enumerated().map { Stage(number: last + UInt32($0.offset + 1), clients: $0.element.clients) }, stopLimit: stopLimit)
    }

    private init(stages: [Stage], stopLimit: StopLimit?) {
        self.stages = stages
        self.stopLimit = stopLimit
    }

    /// The `kb_result` description of a stage, as KloudBuster labels progression stages.
    public func description(of stage: Stage, totalClients: Int) -> String {
        if stopLimit == nil {
            return "\(stage.clients) client VM(s), \(totalClients) server VM(s)"
        }
        return "Stage \(stage.number): \(stage.clients) of \(totalClients) client VM(s)"
    }
}

/// `client.progression.http_stop_limit`: when a progression stops going on.
///
/// KloudBuster stops after a stage whose socket errors plus timeouts exceed the first number,
/// or whose latency at the given percentile reached the request timeout.
public struct StopLimit: Sendable, Equatable {
    /// The most socket errors and timeouts a stage may have and still go on.
    public let maxSocketErrors: Int
    /// The percentile that must stay below `timeout`; nil = no latency check.
    public let percentile: Double?
    /// `http_tool_configs.timeout`.
    public let timeout: Duration

    /// Creates a limit.
    public init(maxSocketErrors: Int, percentile: Double?, timeout: Duration) {
        self.maxSocketErrors = maxSocketErrors
        self.percentile = percentile
        self.timeout = timeout
    }

    /// Why the progression must stop after a stage with these numbers, or nil to go on.
    ///
    /// - Parameters:
    ///   - socketErrors: the stage's socket errors plus timeouts.
    ///   - latencyAtPercentile: the stage's latency at `percentile`, in µs.
    public func reason(socketErrors: UInt64, latencyAtPercentile: (Double) -> Int64) -> String? {
        if socketErrors > UInt64(max(0, maxSocketErrors)) {
            return "stop limit reached: \(socketErrors) socket errors and timeouts > \(maxSocketErrors)"
        }
        if let percentile {
            let microseconds = latencyAtPercentile(percentile)
            let limit = Int64(timeout.inSeconds * 1_000_000)
            if microseconds >= limit {
                return "stop limit reached: p\(ConsoleReport.percentileLabel(percentile)) latency \(microseconds) µs >= the \(timeout.secondsText) timeout"
            }
        }
        return nil
    }
}
