import Proto

/// The live view's breakdown of each interval by server group (`IntervalSummary.groups` in
/// the console's events): counters always, latency percentiles while the run is small enough
/// that decoding every report a second time costs nothing that matters (`keepsLatency`).
///
/// Live only: the stored intervals and the result carry the merged interval (the report's
/// per-group tables come from the stage totals), and a late report is not added to a group
/// interval already sent. One owner (the stage tracker) uses it.
final class GroupIntervals {
    /// At most this many groups keep per-group latency.
    static let latencyGroupLimit = 16
    /// At most this many clients keep per-group latency (each report is decoded twice).
    static let latencyClientLimit = 2_000

    /// One group's share of one interval.
    final class Entry {
        var agents: Set<String> = []
        var requests: UInt64 = 0
        var errors = ErrorTally()
        var latency: Histogram?
        var maxMicroseconds: Int64 = 0
    }

    /// Whether per-group percentiles are kept.
    let keepsLatency: Bool
    private var open: [Int: [String: Entry]] = [:]
    private let merger = HistogramMerger()

    /// A breakdown for a stage of `clients` clients in `groups` groups.
    init(groups: Int, clients: Int) {
        keepsLatency = groups <= Self.latencyGroupLimit && clients <= Self.latencyClientLimit
    }

    /// Whether a breakdown is worth sending: with one group it repeats the interval.
    static func isUseful(groups: Int) -> Bool { groups > 1 }

    /// Counts one interval report into its group. A histogram that does not decode leaves the
    /// group's latency as it was (the aggregator rejects that report as a whole).
    func add(_ report: AgentInterval) {
        let entry = open[report.index, default: [:]][report.group] ?? {
            let created = Entry()
            open[report.index, default: [:]][report.group] = created
            return created
        }()
        if let members = report.members { entry.agents.formUnion(members) } else { entry.agents.insert(report.agentID) }
        entry.requests += report.requests
        entry.errors.add(report.errors)
        entry.maxMicroseconds = max(entry.maxMicroseconds, report.latencyMaxMicroseconds)
        guard keepsLatency, !report.latencyHistogram.isEmpty else { return }
        if entry.latency == nil { entry.latency = Histogram() }
        // In place (no copy of the counts); a report that does not decode adds nothing.
        _ = try? merger.add(report.latencyHistogram, to: &entry.latency!)
    }

    /// Removes interval `index` and returns its groups in natural order, rates over `seconds`.
    func close(_ index: Int, seconds: Double) -> [GroupIntervalSummary] {
        guard let groups = open.removeValue(forKey: index) else { return [] }
        return groups.sorted { HTMLReport.naturalOrder($0.key, $1.key) }.map { name, entry in
            let latency = entry.latency
            return GroupIntervalSummary(
                group: name, agents: entry.agents.count, requests: entry.requests,
                requestsPerSecond: Double(entry.requests) / max(seconds, 0.001),
                p50Us: latency?.value(atPercentile: 50), p90Us: latency?.value(atPercentile: 90),
                p99Us: latency?.value(atPercentile: 99), p999Us: latency?.value(atPercentile: 99.9),
                maxUs: entry.maxMicroseconds, errors: entry.errors)
        }
    }
}

/// One server group's share of an interval, as the live view draws it.
public struct GroupIntervalSummary: Codable, Sendable, Equatable {
    /// The group (KloudBuster's server group: the tenant).
    public var group: String
    /// Its clients that reported into the interval.
    public var agents: Int
    /// Complete responses.
    public var requests: UInt64
    /// Requests per second.
    public var requestsPerSecond: Double
    /// Latency percentiles, µs; nil when the run is too large to keep them per group.
    public var p50Us: Int64?
    /// 90th percentile, µs.
    public var p90Us: Int64?
    /// 99th percentile, µs.
    public var p99Us: Int64?
    /// 99.9th percentile, µs.
    public var p999Us: Int64?
    /// The exact largest latency, µs.
    public var maxUs: Int64
    /// Errors by kind.
    public var errors: ErrorTally

    enum CodingKeys: String, CodingKey {
        case group, agents, requests, errors
        case requestsPerSecond = "rps"
        case p50Us = "p50_us"
        case p90Us = "p90_us"
        case p99Us = "p99_us"
        case p999Us = "p999_us"
        case maxUs = "max_us"
    }
}
