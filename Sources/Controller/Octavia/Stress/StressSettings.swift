import Foundation
import Proto
import Synchronization

/// A stress test, checked: where the heartbeats go, how they are signed, which ghosts, how
/// fast and for how long. Made by `OctaviaStressCommand` from its options and stresshm.conf.
public struct StressSettings: Sendable {
    /// The Octavia database URL.
    public var databaseURL: String
    /// Health managers, round-robin.
    public var endpoints: [HealthManagerEndpoint]
    /// The HMAC key.
    public var key: String
    /// The ghost load balancers' shape.
    public var shape: OctaviaShape
    /// Each amphora's heartbeat period in the first (or only) step.
    public var interval: Duration
    /// How long each step sends.
    public var duration: Duration
    /// The heartbeat message version (1-3).
    public var version: Int
    /// Agent processes carrying the amphorae.
    public var agents: Int
    /// Console and JSON interval.
    public var reportInterval: Duration
    /// The HM's `[health_manager] heartbeat_timeout`, for the "would fail over" count.
    public var heartbeatTimeout: Duration
    /// Rate steps of a knee search; nil for one step.
    public var ramp: Ramp?
    /// Whole-message zlib level 9 (as Octavia's amphorae) instead of the cached prefix.
    public var fullCompression = false
    /// The HM has drained when the run's newest `last_update` stayed the same this long.
    public var drainQuiet: Duration = .seconds(3)
    /// The longest wait for the drain.
    public var drainTimeout: Duration = .seconds(60)
    /// The HM's log file, scanned for warnings written during the test.
    public var hmLog: String?
    /// Delete the ghost rows at the end.
    public var clean = true

    /// A knee search: the rate grows by `factor` per step until the HM falls behind or the
    /// next step would exceed `maxRate` or make the interval shorter than `minInterval`.
    public struct Ramp: Sendable {
        /// Rate multiplier per step (> 1).
        public var factor: Double
        /// The highest rate tried, heartbeats/s.
        public var maxRate: Double
        /// The shortest interval tried: freshness cannot be judged below about twice the
        /// timestamp resolution.
        public var minInterval: Duration

        /// Creates a ramp.
        public init(factor: Double, maxRate: Double, minInterval: Duration = .seconds(2)) {
            self.factor = factor
            self.maxRate = maxRate
            self.minInterval = minInterval
        }
    }

    /// Amphorae simulated.
    public var amphorae: Int { shape.loadBalancers * shape.amphorae }

    /// Heartbeats per second at `interval`.
    public func rate(at interval: Duration) -> Double { Double(amphorae) / interval.inSeconds }

    /// The intervals of the steps: one, or the ramp's.
    public var stepIntervals: [Duration] {
        guard let ramp else { return [interval] }
        var intervals: [Duration] = []
        var rate = self.rate(at: interval)
        while rate <= ramp.maxRate * 1.000_001 {
            let seconds = Double(amphorae) / rate
            guard seconds >= ramp.minInterval.inSeconds else { break }
            intervals.append(.milliseconds(Int64((seconds * 1000).rounded())))
            rate *= ramp.factor
        }
        return intervals.isEmpty ? [interval] : intervals
    }

    /// The Prepare of agent `index` of `agents` for a step at `interval`: an even share of
    /// the amphorae, the first agents taking one more when they do not divide.
    func params(agent index: Int, prefix: String, interval: Duration) -> Kb_V1_AmphoraParams {
        let share = amphorae / agents
        let extra = amphorae % agents
        var params = Kb_V1_AmphoraParams()
        params.prefix = prefix
        params.listeners = UInt32(shape.listeners)
        params.pools = UInt32(shape.pools)
        params.members = UInt32(shape.members)
        params.amphoraePerLb = UInt32(shape.amphorae)
        params.firstAmphora = UInt64(index * share + min(index, extra))
        params.amphoraCount = UInt64(share + (index < extra ? 1 : 0))
        params.healthManagers = endpoints.map(\.description)
        params.key = key
        params.heartbeatVersion = UInt32(version)
        params.heartbeatIntervalMs = UInt64(interval.inSeconds * 1000)
        params.reportIntervalMs = UInt64(reportInterval.inSeconds * 1000)
        params.fullCompression = fullCompression
        return params
    }
}

/// An Octavia database shared by the coordinator's blocking calls, one at a time.
final class SharedOctaviaDatabase: @unchecked Sendable {
    private let database: any OctaviaDatabase
    private let lock = Mutex<Void>(())

    init(_ database: any OctaviaDatabase) {
        self.database = database
    }

    /// Runs `body` with the database on a dedicated thread.
    func run<T: Sendable>(_ body: @escaping @Sendable (any OctaviaDatabase) throws -> T) async throws -> T {
        try await OctaviaBlocking.run { [self] in
            try lock.withLock { _ in try body(database) }
        }
    }
}
