import Proto

/// What an amphora agent simulates, checked: which ghost amphorae, where their heartbeats go,
/// how they are signed and how often each amphora sends.
public struct AmphoraPlan: Sendable {
    /// The ghost ids of the run.
    public let names: OctaviaGhostNames
    /// The global number of the first amphora simulated.
    public let first: Int
    /// Amphorae simulated.
    public let count: Int
    /// Health managers, sent to round-robin (heartbeat `j` of this agent goes to `j % count`).
    public let endpoints: [HealthManagerEndpoint]
    /// The HMAC key.
    public let key: String
    /// The message version.
    public let version: HeartbeatVersion
    /// Each amphora's period.
    public let heartbeatInterval: Duration
    /// How often the agent reports.
    public let reportInterval: Duration
    /// How bodies are compressed.
    public let compression: HeartbeatEncoder.Compression

    /// The most amphorae one agent simulates (a template is about 1 KB).
    public static let maxAmphorae = 1_000_000

    /// Why AmphoraParams cannot be used: one line naming the field and what to do.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The line.
        public let description: String
    }

    /// The plan for `params`, checked field by field.
    public static func make(_ params: Kb_V1_AmphoraParams) -> Result<AmphoraPlan, Problem> {
        func fail(_ text: String) -> Result<AmphoraPlan, Problem> { .failure(Problem(description: "amphora." + text)) }
        guard !params.prefix.isEmpty, params.prefix.utf8.count <= 12 else {
            return fail("prefix \"\(params.prefix)\" is not a populate prefix; give the one populate printed, like kbo-1a2b3c")
        }
        guard params.amphoraePerLb == 1 || params.amphoraePerLb == 2 else {
            return fail("amphorae_per_lb is \(params.amphoraePerLb); give 1 (SINGLE) or 2 (ACTIVE_STANDBY)")
        }
        guard params.amphoraCount >= 1, params.amphoraCount <= UInt64(maxAmphorae) else {
            return fail("amphora_count is \(params.amphoraCount); give 1 to \(maxAmphorae) (spread more over several agents)")
        }
        guard params.firstAmphora <= UInt64(Int32.max) else {
            return fail("first_amphora \(params.firstAmphora) is beyond any populate; give the index of this agent's first amphora")
        }
        guard !params.healthManagers.isEmpty else {
            return fail("health_managers is empty; give at least one HOST:PORT")
        }
        var endpoints: [HealthManagerEndpoint] = []
        for (index, text) in params.healthManagers.enumerated() {
            switch HealthManagerEndpoint.parse(text) {
            case .success(let endpoint): endpoints.append(endpoint)
            case .failure(let error): return fail("health_managers[\(index)]: \(error)")
            }
        }
        guard !params.key.isEmpty else {
            return fail("key is empty; give the health manager's [health_manager] heartbeat_key")
        }
        guard let version = HeartbeatVersion(rawValue: Int(params.heartbeatVersion)) else {
            return fail("heartbeat_version is \(params.heartbeatVersion); give 1, 2 or 3")
        }
        guard params.heartbeatIntervalMs > 0 else { return fail("heartbeat_interval_ms is 0; give each amphora's period, like 10000") }
        guard params.reportIntervalMs > 0 else { return fail("report_interval_ms is 0; give the interval, like 1000") }
        return .success(AmphoraPlan(
            names: OctaviaGhostNames(
                prefix: params.prefix, listeners: Int(params.listeners), pools: Int(params.pools),
                members: Int(params.members), amphoraePerLB: Int(params.amphoraePerLb)),
            first: Int(params.firstAmphora), count: Int(params.amphoraCount), endpoints: endpoints, key: params.key,
            version: version, heartbeatInterval: .milliseconds(Int64(clamping: params.heartbeatIntervalMs)),
            reportInterval: .milliseconds(Int64(clamping: params.reportIntervalMs)),
            compression: params.fullCompression ? .zlib(level: 9) : .cachedPrefix))
    }

    /// Heartbeats per second over all the agent's amphorae.
    public var rate: Double { Double(count) / heartbeatInterval.seconds }

    /// The status amphora `index` (0-based within this agent) reports: every listener OPEN,
    /// every pool and member UP, as the ghost rows' ONLINE statuses say, so the health manager
    /// has nothing to change and does the steady-state work of a healthy load balancer.
    public func status(ofAmphora index: Int) -> AmphoraStatus {
        let ghost = names.amphora(first + index)
        return AmphoraStatus(
            amphoraID: ghost.id, version: version,
            listeners: ghost.listeners.map { listener in
                AmphoraStatus.Listener(
                    id: listener.id, status: "OPEN",
                    pools: listener.pools.map { pool in
                        AmphoraStatus.Pool(id: pool.id, status: "UP", members: pool.members.map { .init(id: $0, status: "UP") })
                    })
            })
    }
}
