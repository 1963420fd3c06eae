import Proto

/// What one agent reported for one interval, as the controller merges it (decoded from the
/// wire's IntervalReport at the edge, so aggregation is tested without sockets).
public struct AgentInterval: Sendable {
    /// The reporting agent.
    public var agentID: String
    /// The group it belongs to for per-group results (KloudBuster's server group: the client's
    /// tenant, or the server it loads).
    public var group: String
    /// Interval number since the stage began (0, 1, ...).
    public var index: Int
    /// Complete responses.
    public var requests: UInt64
    /// Bytes received.
    public var bytesRead: UInt64
    /// Errors by kind.
    public var errors: ErrorTally
    /// Responses by status code.
    public var statusCodes: [Int: UInt64]
    /// The interval's latency histogram in the V2 compressed encoding, microseconds.
    public var latencyHistogram: [UInt8]
    /// The exact largest latency of the interval (V2 keeps only its bucket), microseconds.
    public var latencyMaxMicroseconds: Int64
    /// For a relay's merged report, every agent in it (the report counts for each of them);
    /// nil for an agent's own report.
    public var members: [String]?

    /// An interval report.
    public init(
        agentID: String, group: String, index: Int, requests: UInt64, bytesRead: UInt64,
        errors: ErrorTally = ErrorTally(), statusCodes: [Int: UInt64] = [:],
        latencyHistogram: [UInt8], latencyMaxMicroseconds: Int64, members: [String]? = nil
    ) {
        self.agentID = agentID
        self.group = group
        self.index = index
        self.requests = requests
        self.bytesRead = bytesRead
        self.errors = errors
        self.statusCodes = statusCodes
        self.latencyHistogram = latencyHistogram
        self.latencyMaxMicroseconds = latencyMaxMicroseconds
        self.members = members
    }
}

/// Errors by kind, as the engine keeps them apart.
public struct ErrorTally: Sendable, Equatable, Codable {
    /// Connect and TLS handshake failures.
    public var connect: UInt64 = 0
    /// Receive failures and early closes.
    public var read: UInt64 = 0
    /// Send failures.
    public var write: UInt64 = 0
    /// Requests without a complete response in time.
    public var timeout: UInt64 = 0
    /// Responses with a status other than 2xx or 3xx.
    public var status: UInt64 = 0
    /// Responses that are not valid HTTP/1.x.
    public var parse: UInt64 = 0

    /// No errors.
    public init() {}

    /// All kinds together.
    public var total: UInt64 { connect + read + write + timeout + status + parse }

    /// Adds `other` kind by kind.
    public mutating func add(_ other: ErrorTally) {
        connect += other.connect
        read += other.read
        write += other.write
        timeout += other.timeout
        status += other.status
        parse += other.parse
    }
}
