import Proto

/// The timings of a run, derived from the configuration with the protocol's rules, and
/// adjustable so tests can run a whole protocol in a few seconds.
public struct RunSettings: Sendable, Equatable {
    /// How long each stage loads (`http_tool_configs.duration`).
    public var duration: Duration
    /// `report_interval_ms` sent to clients: `report_interval`, or the whole duration when
    /// the configuration asks for the final report only (the wire needs a positive interval).
    public var reportInterval: Duration
    /// A joined agent silent this long is lost: 3 report intervals, at least 3 s.
    public var silenceLimit: Duration
    /// How long every agent has to say Hello.
    public var joinTimeout: Duration
    /// How long servers, then clients, have to say READY after their Prepare.
    public var prepareTimeout: Duration
    /// How far ahead of now `Start.start_unix_ns` is set, so every agent has it in time.
    public var startLead: Duration
    /// How long after a stage's planned end the controller waits for final reports.
    public var finalGrace: Duration
    /// How long the controller waits for agents to acknowledge Abort before cleaning up.
    public var abortWait: Duration
    /// Re-send and give-up policy of commands.
    public var delivery: CommandDelivery.Policy
    /// What the verdict of each stage checks against.
    public var verdictLimits: Verdict.Limits

    /// The settings of `configuration`.
    public init(configuration: Configuration) {
        let tool = configuration.client.httpTool
        duration = tool.duration
        reportInterval = tool.reportInterval ?? tool.duration
        // Heartbeats come every second whatever the interval, so 3 s is the floor.
        silenceLimit = max(reportInterval * 3, .seconds(3))
        joinTimeout = .seconds(60)
        prepareTimeout = .seconds(30)
        startLead = .seconds(2)
        finalGrace = max(reportInterval * 2, .seconds(3))
        abortWait = .seconds(2)
        delivery = CommandDelivery.Policy()
        verdictLimits = Verdict.Limits()
    }
}

