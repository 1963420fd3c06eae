import Proto

/// The bookkeeping of the stage that is running: who is active, which intervals are complete,
/// who sent its final report, and the stage's totals. Owned by the coordinator; no I/O.
///
/// An interval is closed (printed, stored, logged) once every active client still in the run
/// reported it or ended its stage, or once it is overdue; a report for an interval already
/// closed still counts in the stage's totals, so late reports are never lost, only late.
struct StageTracker {
    /// The stage.
    let stage: StagePlan.Stage
    /// The active clients' ids.
    let active: [String]
    /// The same, to look up once per report (10,000 clients: a scan of the array per report
    /// would cost more than the merge).
    let isActive: Set<String>
    /// `Start.start_unix_ns`.
    let startUnixNs: Int64
    /// When the load starts, controller monotonic clock.
    let startInstant: ContinuousClock.Instant
    /// When the stage should be over (start + duration).
    let plannedEnd: ContinuousClock.Instant
    /// When the stage ends whoever has not sent a final report.
    var deadline: ContinuousClock.Instant
    /// The report interval.
    let interval: Duration
    /// Merges the open intervals.
    let aggregator = IntervalAggregator()
    /// The open intervals by group, for the live view; nil with one group.
    let groups: GroupIntervals?
    /// Merges the engine lag histograms into `result` (the aggregator has its own for latencies).
    let merger = HistogramMerger()
    /// The stage's totals.
    var result: StageResult
    /// The highest index closed so far; -1 before the first.
    var closedThrough = -1
    /// Per client, the highest index it reported.
    private(set) var lastIndex: [String: Int] = [:]
    /// The highest index any client reported (kept, not scanned for: it is read every tick).
    private(set) var highestIndex = -1
    /// Clients that sent their final report.
    var finals: Set<String> = []
    /// Every (client, interval) taken so far: a report seen again (a relay's re-send, a member
    /// that re-homed and sent it once more) is dropped, never counted twice.
    var taken: Set<TakenReport> = []

    /// One client's report of one interval.
    struct TakenReport: Hashable {
        let agentID: String
        let index: UInt64
    }
    /// Per interval index, the earliest start and the longest duration reported.
    var times: [Int: (start: Int64, durationNs: UInt64)] = [:]
    /// Whether Stop was sent (SIGINT, SIGTERM).
    var stopSent = false

    /// Client `agentID` reported interval `index`.
    mutating func reported(_ agentID: String, index: Int) {
        lastIndex[agentID] = max(lastIndex[agentID] ?? -1, index)
        highestIndex = max(highestIndex, index)
    }

    /// When interval `index` is overdue: its end plus one interval (at least 1 s) for the
    /// report to arrive.
    func due(_ index: Int) -> ContinuousClock.Instant {
        startInstant + interval * (index + 1) + max(interval, .seconds(1))
    }

    /// Whether every client in `live` reported `index` or ended its stage.
    func isComplete(_ index: Int, live: Set<String>) -> Bool {
        active.allSatisfy { id in
            !live.contains(id) || finals.contains(id) || (lastIndex[id] ?? -1) >= index
        }
    }

    /// Whether every active client still in the run sent its final report.
    func allFinal(live: Set<String>) -> Bool {
        active.allSatisfy { !live.contains($0) || finals.contains($0) }
    }

    /// The seconds the stage measured: from the first interval's start to the last one's end,
    /// or `fallback` when nothing was reported.
    func measuredSeconds(fallback: Double) -> Double {
        guard let first = times.values.map(\.start).min(),
            let end = times.values.map({ $0.start + Int64(clamping: $0.durationNs) }).max(), end > first
        else { return fallback }
        return Double(end - first) / 1e9
    }
}
