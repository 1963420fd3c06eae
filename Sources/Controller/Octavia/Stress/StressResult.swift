import Foundation

/// One report interval of a step: what the agents sent and how fresh the HM kept the run.
public struct StressInterval: Sendable, Codable, Equatable {
    /// Seconds from the step's start to the interval's end.
    public var time: Double
    /// Heartbeats handed to the kernel.
    public var heartbeatsSent: UInt64
    /// The same per second of the interval.
    public var heartbeatsPerSecond: Double
    /// Heartbeats the kernel refused.
    public var sendErrors: UInt64
    /// Heartbeats refused for being over 65,507 bytes.
    public var oversize: UInt64
    /// How late the senders were against their schedule, p99, ms.
    public var sendLagP99Ms: Double
    /// The HM's freshness at the interval's end.
    public var freshness: Freshness

    enum CodingKeys: String, CodingKey {
        case time = "t_s", heartbeatsSent = "heartbeats_sent", heartbeatsPerSecond = "heartbeats_per_s"
        case sendErrors = "send_errors", oversize, sendLagP99Ms = "send_lag_p99_ms", freshness
    }
}

/// Warnings the health manager logged during a step.
public struct HealthManagerLogCounts: Sendable, Codable, Equatable {
    /// "... processed too slowly ... THIS IS NOT GOOD": heartbeats the HM dropped unprocessed.
    public var notGood = 0
    /// HMAC mismatches: heartbeats signed with another key, or corrupted.
    public var hmacMismatches = 0
    /// Other exceptions while processing a heartbeat.
    public var exceptions = 0

    enum CodingKeys: String, CodingKey {
        case notGood = "this_is_not_good", hmacMismatches = "hmac_mismatch", exceptions
    }
}

/// One rate step: totals, the freshness when the senders stopped, the drain.
public struct StressStep: Sendable, Codable, Equatable {
    /// The step number, from 1.
    public var step: Int
    /// Heartbeats per second asked for.
    public var rate: Double
    /// Each amphora's period, seconds.
    public var intervalSeconds: Double
    /// How long the step sent, seconds.
    public var durationSeconds: Double
    /// Heartbeats handed to the kernel.
    public var heartbeatsSent: UInt64
    /// Heartbeats the kernel refused.
    public var sendErrors: UInt64
    /// Heartbeats refused for being over 65,507 bytes.
    public var oversize: UInt64
    /// Bytes of the datagrams sent.
    public var bytesSent: UInt64
    /// Heartbeats sent per second, measured.
    public var sentPerSecond: Double
    /// How late the senders were against their schedule: p99 and max, ms.
    public var sendLagP99Ms: Double
    /// See `sendLagP99Ms`.
    public var sendLagMaxMs: Double
    /// The agents' CPU seconds over the step.
    public var agentCPUSeconds: Double
    /// Freshness right when the senders stopped.
    public var freshness: Freshness
    /// Seconds from the senders' stop to the HM's last update of the run (resolution: the
    /// column's).
    public var drainSeconds: Double
    /// Whether the HM went quiet before the drain timeout.
    public var drained: Bool
    /// Datagrams the kernel dropped for a full UDP receive buffer during the step, on this
    /// host (`/proc/net/snmp` RcvbufErrors); nil when a health manager is not on loopback.
    public var udpReceiveBufferErrors: Int?
    /// The HM log's warnings during the step; nil without --hm-log.
    public var healthManagerLog: HealthManagerLogCounts?
    /// Whether the HM kept up: every amphora fresh within the interval, nothing refused or
    /// dropped, no slow-processing warning.
    public var keptUp: Bool
    /// The step's interval lines.
    public var intervals: [StressInterval]

    enum CodingKeys: String, CodingKey {
        case step, rate = "rate_hb_per_s", intervalSeconds = "interval_s", durationSeconds = "duration_s"
        case heartbeatsSent = "heartbeats_sent", sendErrors = "send_errors", oversize, bytesSent = "bytes_sent"
        case sentPerSecond = "sent_per_s", sendLagP99Ms = "send_lag_p99_ms", sendLagMaxMs = "send_lag_max_ms"
        case agentCPUSeconds = "agent_cpu_s", freshness, drainSeconds = "drain_s", drained
        case udpReceiveBufferErrors = "udp_receive_buffer_errors", healthManagerLog = "hm_log", keptUp = "kept_up", intervals
    }
}

/// The whole stress test, as `--json` writes it.
public struct StressResult: Sendable, Codable, Equatable {
    /// The run in the ledger (`kloudbuster runs show`).
    public var runID: String
    /// The populate prefix.
    public var prefix: String
    /// The database URL, password masked.
    public var database: String
    /// The health managers, HOST:PORT.
    public var healthManagers: [String]
    /// Ghost load balancers.
    public var loadBalancers: Int
    /// Amphorae simulated.
    public var amphorae: Int
    /// listeners/pools/members per load balancer, e.g. "2/1/2".
    public var shape: String
    /// Amphora agents.
    public var agents: Int
    /// The heartbeat message version.
    public var heartbeatVersion: Int
    /// Rows inserted by table.
    public var rowsPopulated: [String: Int]
    /// The rate steps (one without --ramp).
    public var steps: [StressStep]
    /// With --ramp: the highest rate the HM kept up with (nil when even the first step fell
    /// behind), and whether a higher step fell behind (false: the ramp ended first).
    public var kneeRate: Double?
    /// See `kneeRate`.
    public var kneeFound: Bool?
    /// Rows deleted at the end; nil with --no-clean.
    public var rowsCleaned: [String: Int]?
    /// `done`, `interrupted` or `failed: ...`.
    public var status: String

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", prefix, database, healthManagers = "health_managers", loadBalancers = "load_balancers"
        case amphorae, shape, agents, heartbeatVersion = "heartbeat_version", rowsPopulated = "rows_populated", steps
        case kneeRate = "knee_rate_hb_per_s", kneeFound = "knee_found", rowsCleaned = "rows_cleaned", status
    }

    /// The JSON text, keys sorted.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
