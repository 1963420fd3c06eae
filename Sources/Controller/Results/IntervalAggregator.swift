import Proto

/// Merges agents' interval reports losslessly: per interval over all agents (the console
/// line and the time series) and, for counters, per group over the stage.
///
/// Interval histograms go into the interval's merged histogram only: it stays hot in cache
/// while a second's reports arrive. A group's latency over the stage comes instead from each
/// agent's cumulative stage histogram, sent once with its final report (`addStage`): merging
/// every interval report into one of thousands of cold 188 KB group histograms as well would
/// cost more than the decoding itself, and a group allocates its histogram only then.
/// Accumulators are reference types so that merging into a dictionary entry never copies its
/// 23,552 counts; one `HistogramMerger` decodes every report straight into them. One owner
/// (the run coordinator) uses it.
public final class IntervalAggregator {
    /// Everything merged for one interval or one group.
    public final class Merged {
        /// Agents that reported into it.
        public private(set) var agents: Set<String> = []
        /// Complete responses.
        public private(set) var requests: UInt64 = 0
        /// Bytes received.
        public private(set) var bytesRead: UInt64 = 0
        /// Errors by kind.
        public private(set) var errors = ErrorTally()
        /// Responses by status code.
        public private(set) var statusCodes: [Int: UInt64] = [:]
        /// The merged latency histogram, microseconds (empty when nothing was merged into it).
        public var latency: Histogram { merged ?? Histogram() }
        /// Allocated by the first merge: groups that never get a stage histogram hold none.
        fileprivate var merged: Histogram?
        /// The exact largest latency reported, microseconds.
        public private(set) var latencyMaxMicroseconds: Int64 = 0

        fileprivate func count(_ report: AgentInterval) {
            if let members = report.members { agents.formUnion(members) } else { agents.insert(report.agentID) }
            requests += report.requests
            bytesRead += report.bytesRead
            errors.add(report.errors)
            for (code, count) in report.statusCodes { statusCodes[code, default: 0] += count }
            latencyMaxMicroseconds = max(latencyMaxMicroseconds, report.latencyMaxMicroseconds)
        }
    }

    private var intervals: [Int: Merged] = [:]
    private let merger = HistogramMerger()
    /// Per-group totals over the stage so far.
    public private(set) var groups: [String: Merged] = [:]
    /// Reports whose histogram did not decode (counted and dropped, never merged half-way).
    public private(set) var rejected = 0

    /// An empty aggregator.
    public init() {}

    /// Merges one interval report. A report whose histogram is malformed is counted in
    /// `rejected` and leaves every total untouched.
    public func add(_ report: AgentInterval) {
        let interval = intervals[report.index] ?? {
            let created = Merged()
            intervals[report.index] = created
            return created
        }()
        do {
            try merge(report.latencyHistogram, into: interval)
        } catch {
            rejected += 1
            return
        }
        interval.count(report)
        group(report.group).count(report)
    }

    /// Merges an agent's cumulative histogram of the whole stage (from its final report) into
    /// its group. Returns false, and counts it in `rejected`, when it does not decode.
    @discardableResult
    public func addStage(group name: String, latencyHistogram: [UInt8]) -> Bool {
        do {
            try merge(latencyHistogram, into: group(name))
            return true
        } catch {
            rejected += 1
            return false
        }
    }

    private func merge(_ encoded: [UInt8], into target: Merged) throws {
        if target.merged == nil { target.merged = Histogram() }
        try merger.add(encoded, to: &target.merged!)
    }

    private func group(_ name: String) -> Merged {
        if let existing = groups[name] { return existing }
        let created = Merged()
        groups[name] = created
        return created
    }

    /// The merged interval `index`, if any agent reported it.
    public func interval(_ index: Int) -> Merged? { intervals[index] }

    /// Removes and returns the merged intervals up to and including `index`, oldest first:
    /// the coordinator closes an interval once every live agent reported it or it is late.
    public func close(through index: Int) -> [(index: Int, merged: Merged)] {
        let done = intervals.keys.filter { $0 <= index }.sorted()
        return done.compactMap { key in intervals.removeValue(forKey: key).map { (index: key, merged: $0) } }
    }
}
