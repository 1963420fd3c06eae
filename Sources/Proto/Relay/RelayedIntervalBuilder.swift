#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A relay's half of lossless aggregation (DESIGN.md §5): its members' reports for one interval
/// of a stage in, one `RelayedInterval` out, which the controller takes exactly as it would
/// have taken the members' own reports.
///
/// A member's latency histogram decides whether it is merged: when it decodes (or is empty) the
/// member's counters go into `merged` and the histogram is removed from its share; when it does
/// not, the member's report is passed on whole, for the controller to reject as it would a
/// direct one. Its lag and stage histograms are then merged or, when they do not decode, left
/// on its share alone. Histograms are added with one `HistogramMerger` (no allocation per
/// member) and encoded once, for the wire. One owner.
public struct RelayedIntervalBuilder {
    /// The stage and interval every member report must be of.
    public let stage: UInt32
    public let index: UInt64
    private var merged = Kb_V1_IntervalReport()
    private var members: [Kb_V1_MemberReport] = []
    private var latency = Histogram(), lag = Histogram(), stageLatency = Histogram()
    private var mergedCount = 0, finalCount = 0
    private let merger: HistogramMerger

    /// An empty interval `index` of `stage`; `merger` may be shared by the relay's builders.
    public init(stage: UInt32, index: UInt64, merger: HistogramMerger = HistogramMerger()) {
        self.stage = stage
        self.index = index
        self.merger = merger
        merged.stage = stage
        merged.index = index
    }

    /// Members in it so far.
    public var memberCount: Int { members.count }

    /// Adds a member's report. Returns false (and keeps nothing) for a report of another stage
    /// or interval, or a second report of the same member.
    @discardableResult
    public mutating func add(_ report: Kb_V1_IntervalReport, from agentID: String) -> Bool {
        guard report.stage == stage, report.index == index, !members.contains(where: { $0.agentID == agentID }) else {
            return false
        }
        var share = Kb_V1_MemberReport()
        share.agentID = agentID
        share.report = report
        defer { members.append(share) }
        if !report.latencyHistogram.isEmpty {
            guard (try? merger.add(report.latencyHistogram, to: &latency)) != nil else { return true }
            share.report.latencyHistogram = .init()
        }
        if !report.lagHistogram.isEmpty, (try? merger.add(report.lagHistogram, to: &lag)) != nil {
            share.report.lagHistogram = .init()
        }
        if !report.stageLatencyHistogram.isEmpty, (try? merger.add(report.stageLatencyHistogram, to: &stageLatency)) != nil {
            share.report.stageLatencyHistogram = .init()
        }
        count(report)
        return true
    }

    private mutating func count(_ report: Kb_V1_IntervalReport) {
        mergedCount += 1
        if report.final { finalCount += 1 }
        merged.startUnixNs = mergedCount == 1 ? report.startUnixNs : min(merged.startUnixNs, report.startUnixNs)
        merged.durationNs = max(merged.durationNs, report.durationNs)
        merged.requests += report.requests
        merged.bytesRead += report.bytesRead
        merged.bytesWritten += report.bytesWritten
        merged.errors.connect += report.errors.connect
        merged.errors.read += report.errors.read
        merged.errors.write += report.errors.write
        merged.errors.timeout += report.errors.timeout
        merged.errors.status += report.errors.status
        merged.errors.parse += report.errors.parse
        for (code, count) in report.statusCodes { merged.statusCodes[code, default: 0] += count }
        merged.latencyMaxUs = max(merged.latencyMaxUs, report.latencyMaxUs)
        merged.lagMaxUs = max(merged.lagMaxUs, report.lagMaxUs)
        merged.stageLatencyMaxUs = max(merged.stageLatencyMaxUs, report.stageLatencyMaxUs)
        merged.cpuUserS += report.cpuUserS
        merged.cpuSysS += report.cpuSysS
        merged.openConnections &+= report.openConnections
    }

    /// The relayed interval: the merged members' sum and every member's share.
    public func build() -> Kb_V1_RelayedInterval {
        var report = merged
        report.final = mergedCount > 0 && finalCount == mergedCount
        if !latency.isEmpty { report.latencyHistogram = .init(latency.encodedV2(Histogram.wireCompression)) }
        if !lag.isEmpty { report.lagHistogram = .init(lag.encodedV2(Histogram.wireCompression)) }
        if !stageLatency.isEmpty { report.stageLatencyHistogram = .init(stageLatency.encodedV2(Histogram.wireCompression)) }
        var relayed = Kb_V1_RelayedInterval()
        relayed.merged = report
        relayed.members = members
        return relayed
    }
}
