/// The merged numbers of one interval of one stage: an entry of `intervals`, the row stored in
/// the state store, and the console line.
public struct IntervalSummary: Codable, Sendable, Equatable {
    /// The stage (`Start.stage`).
    public var stage: Int
    /// The interval's index within the stage, from 0.
    public var index: Int
    /// When the interval started, controller clock, Unix ns.
    public var startUnixNs: Int64
    /// Its length in seconds.
    public var durationSeconds: Double
    /// Clients that reported into it.
    public var agents: Int
    /// Complete responses.
    public var requests: UInt64
    /// Bytes received.
    public var bytesRead: UInt64
    /// Requests per second.
    public var requestsPerSecond: Double
    /// Received megabytes (10^6 bytes) per second.
    public var megabytesPerSecond: Double
    /// Latency percentiles and exact max, µs.
    public var p50Us: Int64
    /// 90th percentile, µs.
    public var p90Us: Int64 = 0
    /// 99th percentile, µs.
    public var p99Us: Int64
    /// 99.9th percentile, µs.
    public var p999Us: Int64
    /// The exact largest latency, µs.
    public var maxUs: Int64
    /// Errors by kind.
    public var errors: ErrorTally
    /// The interval by server group, in the live view's events only (nil when stored, and
    /// with one group).
    public var groups: [GroupIntervalSummary]?

    enum CodingKeys: String, CodingKey {
        case stage, index, agents, requests, errors, groups
        case startUnixNs = "start_unix_ns"
        case durationSeconds = "duration_s"
        case bytesRead = "bytes_read"
        case requestsPerSecond = "rps"
        case megabytesPerSecond = "mbytes_per_s"
        case p50Us = "p50_us"
        case p90Us = "p90_us"
        case p99Us = "p99_us"
        case p999Us = "p999_us"
        case maxUs = "max_us"
    }
}

/// One agent in the result: who it was and how it fared (`agents[]`).
public struct AgentSummary: Codable, Sendable, Equatable {
    /// Its id.
    public var id: String
    /// `http-server` or `http-client`.
    public var role: String
    /// Its address.
    public var address: String
    /// `ok`, `lost`, `failed` or `never joined`.
    public var status: String
    /// Whether it joined.
    public var joined: Bool
    /// Whether it was declared lost.
    public var lost: Bool
    /// Complete responses it reported (clients).
    public var requests: UInt64
    /// Errors it reported (clients), all kinds.
    public var errors: UInt64
    /// Why it was lost or failed.
    public var detail: String?
    /// The server group it belongs to (`tenant-0`: clients carry their server's); nil in
    /// older results.
    public var group: String?
    /// Controller clock minus the agent's at its Hello, µs: the controller's receive time less
    /// the Hello's send time, the smallest over its Hellos. It includes the Hello's one-way
    /// delay, so it bounds the true offset from above by that delay; nil when not measured.
    public var clockOffsetUs: Int64?

    enum CodingKeys: String, CodingKey {
        case id, role, address, status, joined, lost, requests, errors, detail, group
        case clockOffsetUs = "clock_offset_us"
    }
}
