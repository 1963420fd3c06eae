import Foundation

/// How fresh the health manager keeps a run's amphorae: for each, now minus
/// `amphora_health.last_update` (the time the HM last processed one of its heartbeats).
public struct Freshness: Sendable, Codable, Equatable {
    /// Amphorae of the run with an `amphora_health` row.
    public var rows: Int
    /// Amphorae of the run without one (never processed).
    public var missing: Int
    /// The median age over the rows, seconds.
    public var p50: Double
    /// The 99th percentile age, seconds.
    public var p99: Double
    /// The oldest row's age, seconds.
    public var max: Double
    /// Rows older than the heartbeat interval (plus the column's resolution).
    public var olderThanInterval: Int
    /// Rows older than the HM's heartbeat_timeout: amphorae the HM would fail over.
    public var olderThanTimeout: Int

    enum CodingKeys: String, CodingKey {
        case rows, missing, p50 = "p50_s", p99 = "p99_s", max = "max_s"
        case olderThanInterval = "older_than_interval", olderThanTimeout = "older_than_heartbeat_timeout"
    }

    /// Whether every amphora was processed within the interval.
    public var keptUp: Bool { missing == 0 && olderThanInterval == 0 }
}

/// Reads the freshness of the amphorae of a prefix; one query per call, on the blocking thread.
public struct FreshnessProbe: Sendable {
    /// The populate prefix.
    public let prefix: String
    /// Amphorae the run simulates.
    public let amphorae: Int
    /// Each amphora's heartbeat period.
    public let interval: Duration
    /// The HM's `[health_manager] heartbeat_timeout`.
    public let heartbeatTimeout: Duration

    /// Creates a probe.
    public init(prefix: String, amphorae: Int, interval: Duration, heartbeatTimeout: Duration) {
        self.prefix = prefix
        self.amphorae = amphorae
        self.interval = interval
        self.heartbeatTimeout = heartbeatTimeout
    }

    /// The ages now. A stored time is truncated to the column's resolution, so an age up to
    /// `interval + resolution` still means "processed within the interval".
    public func measure(_ database: any OctaviaDatabase) throws -> Freshness {
        let ages = try database.strings(
            "SELECT \(database.ageMicroseconds(of: "last_update")) FROM amphora_health WHERE amphora_id LIKE \(database.quote(prefix + "-amp-%"))"
        ).compactMap { Double($0) }.map { Swift.max(0, $0 / 1e6) }.sorted()
        func percentile(_ p: Double) -> Double {
            guard !ages.isEmpty else { return 0 }
            // Nearest rank: the smallest age with at least p% of the ages at or below it.
            let rank = Int((p / 100 * Double(ages.count)).rounded(.up))
            return ages[Swift.min(ages.count, Swift.max(1, rank)) - 1]
        }
        let limit = interval.inSeconds + database.timestampResolution
        return Freshness(
            rows: ages.count, missing: Swift.max(0, amphorae - ages.count), p50: percentile(50), p99: percentile(99),
            max: ages.last ?? 0, olderThanInterval: ages.filter { $0 > limit }.count,
            olderThanTimeout: ages.filter { $0 > heartbeatTimeout.inSeconds }.count)
    }

    /// The newest `last_update` of the run, as text (changes when the HM processes anything).
    public func newestUpdate(_ database: any OctaviaDatabase) throws -> String {
        try database.strings(
            "SELECT MAX(last_update) FROM amphora_health WHERE amphora_id LIKE \(database.quote(prefix + "-amp-%"))"
        ).first ?? ""
    }
}
