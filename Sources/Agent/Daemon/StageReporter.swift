import Proto

/// Turns a client stage's interval samples into the IntervalReports of docs/run-protocol.md:
/// indexes from 0 without gaps, times on the controller's clock, CPU per interval, and exactly
/// one report with `final = true`, which also carries the whole stage's latencies.
///
/// `LoadRunner` hands out the last, partial interval after the engine stopped, but may skip it
/// when it is empty; and a Stop may land just as a regular tick is reported. So a report that
/// could be the last is held back until the next one proves it was not, or until the stage
/// ends; every other report goes out at once, which keeps liveness and the console prompt.
/// A value type without I/O or clocks, tested on its own.
public struct StageReporter: Sendable {
    /// The stage reported on.
    public let stage: UInt32
    /// Regular ticks of this stage: the runner reports at k x interval for every k >= 1 with
    /// k x interval < duration, and anything after those is the piece after the stop.
    public let regularIntervals: Int
    /// Agent wall clock at the stage start (T), Unix ns.
    private let startAgentUnixNs: Int64
    private let offset: ClockOffset?
    private var index: UInt64 = 0
    private var held: Kb_V1_IntervalReport?
    private var cpuBefore: CPUTime

    /// A reporter for a stage that starts at agent time `startAgentUnixNs` and runs `duration`
    /// (nil until Stop) with reports every `interval`.
    ///
    /// - Parameter offset: The measured clock offset; nil trusts the clocks (no Welcome yet).
    public init(
        stage: UInt32, startAgentUnixNs: Int64, duration: Duration?, interval: Duration,
        offset: ClockOffset?, cpuAtStart: CPUTime
    ) {
        self.stage = stage
        self.startAgentUnixNs = startAgentUnixNs
        self.offset = offset
        self.cpuBefore = cpuAtStart
        if let duration, interval > .zero {
            let ratio = duration / interval
            // Whole intervals strictly inside the duration.
            let whole = Int(ratio.rounded(.up)) - 1
            regularIntervals = max(0, whole)
        } else {
            regularIntervals = .max
        }
    }

    /// The load began now (at T): CPU counts from here, as the runner's time does.
    public mutating func started(cpu: CPUTime) {
        cpuBefore = cpu
    }

    /// One interval ended; returns the reports to send now (none, one or two).
    ///
    /// - Parameters:
    ///   - cpu: The process's CPU time now.
    ///   - stopRequested: Whether a Stop (or shutdown) was asked for before this sample.
    public mutating func interval(_ sample: IntervalSample, cpu: CPUTime, stopRequested: Bool) -> [Kb_V1_IntervalReport] {
        let report = Kb_V1_IntervalReport.client(
            stage: stage, index: index, totals: sample.totals,
            startUnixNs: controllerTime(secondsAfterStart: sample.startOffset),
            durationNs: UInt64(max(0, sample.length * 1e9)), cpu: cpu.subtracting(cpuBefore))
        cpuBefore = cpu
        index += 1
        var ready: [Kb_V1_IntervalReport] = []
        if let previous = held {
            ready.append(previous)
            held = nil
        }
        if stopRequested || Int(clamping: index) > regularIntervals {
            held = report
        } else {
            ready.append(report)
        }
        return ready
    }

    /// The stage ended with `result`: the last report, final, carrying the stage's latencies.
    /// When the runner skipped the last piece (too short to mean anything), the report held
    /// back becomes the final one; without one, an empty final report closes the index range.
    public mutating func finish(_ result: LoadResult, cpu: CPUTime) -> Kb_V1_IntervalReport {
        var report: Kb_V1_IntervalReport
        if let held {
            report = held
            self.held = nil
        } else {
            report = .client(
                stage: stage, index: index, totals: EngineTotals(),
                startUnixNs: controllerTime(secondsAfterStart: result.duration), durationNs: 0,
                cpu: cpu.subtracting(cpuBefore))
            report.openConnections = 0
            index += 1
        }
        report.makeFinal(stageTotals: result.totals)
        return report
    }

    /// Reports handed out so far, the held one included.
    public var reportCount: UInt64 { index }

    private func controllerTime(secondsAfterStart seconds: Double) -> Int64 {
        let agentTime = startAgentUnixNs &+ Int64(max(0, seconds) * 1e9)
        return offset?.controllerTime(agentUnixNs: agentTime) ?? agentTime
    }
}
