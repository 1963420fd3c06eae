import Foundation
import Proto

/// Everything a stage measured over its active clients, merged losslessly: what a
/// `kb_result` entry, the summary table and the stop limit are computed from.
public struct StageResult: Sendable, Equatable {
    /// `Start.stage`, from 1.
    public var stage: UInt32
    /// The `kb_result` description.
    public var description: String
    /// Clients that were started in the stage.
    public var activeClients: Int
    /// Server VMs staged.
    public var totalServers: Int
    /// `http_tool_configs.connections` (per client).
    public var connectionsPerClient: Int
    /// `http_tool_configs.rate_limit` (per client); nil = unlimited.
    public var rateLimitPerClient: Int?
    /// How long the stage loaded, in seconds (rates are per this).
    public var seconds: Double
    /// Complete responses.
    public var requests: UInt64 = 0
    /// Bytes received.
    public var bytesRead: UInt64 = 0
    /// Errors by kind.
    public var errors = ErrorTally()
    /// Responses by status code.
    public var statusCodes: [Int: UInt64] = [:]
    /// Every latency of the stage, µs.
    public var latency = Histogram()
    /// The exact largest latency, µs.
    public var latencyMaxMicroseconds: Int64 = 0
    /// Why the progression stopped after it, if it did.
    public var stopReason: String?
    /// How late requests left because the client engine was busy (µs), merged over clients.
    public var engineLag = Histogram()
    /// CPU seconds each client agent used during the stage.
    public var clientCPUSeconds: [String: Double] = [:]
    /// Engine threads per client agent, for the CPU check.
    public var threadsPerClient = 0
    /// Agents that were lost or failed during the stage, with what happened.
    public var agentProblems: [String] = []
    /// The stage's checks, once it ended.
    public var verdict = Verdict()
    /// The stage's totals per server group, once it ended.
    public var groups: [ResultDocument.GroupSummary] = []

    /// An empty stage result.
    public init(
        stage: UInt32, description: String, activeClients: Int, totalServers: Int, connectionsPerClient: Int,
        rateLimitPerClient: Int?, seconds: Double
    ) {
        self.stage = stage
        self.description = description
        self.activeClients = activeClients
        self.totalServers = totalServers
        self.connectionsPerClient = connectionsPerClient
        self.rateLimitPerClient = rateLimitPerClient
        self.seconds = seconds
    }

    /// KloudBuster's socket errors: everything but timeouts and bad statuses.
    public var socketErrors: UInt64 { errors.connect + errors.read + errors.write + errors.parse }

    /// Adds one report's counters (its histogram is merged by the caller, once).
    mutating func count(requests: UInt64, bytesRead: UInt64, errors: ErrorTally, statusCodes: [Int: UInt64], maxUs: Int64) {
        self.requests += requests
        self.bytesRead += bytesRead
        self.errors.add(errors)
        for (code, count) in statusCodes { self.statusCodes[code, default: 0] += count }
        latencyMaxMicroseconds = max(latencyMaxMicroseconds, maxUs)
    }
}

extension ResultDocument.StageEntry {
    /// The `kb_result` entry of a stage.
    public init(_ result: StageResult) {
        let seconds = result.seconds > 0 ? result.seconds : 1
        description = result.description
        httpRps = (Double(result.requests) / seconds * 100).rounded() / 100
        httpTotalReq = result.requests
        httpSockErr = result.socketErrors
        httpSockTimeout = result.errors.timeout
        httpThroughputKbytes = (Double(result.bytesRead) / 1024 / seconds * 100).rounded() / 100
        httpRateLimit = (result.rateLimitPerClient ?? 0) * result.activeClients
        totalConnections = result.connectionsPerClient * result.activeClients
        totalClientVms = result.activeClients
        totalServerVms = result.totalServers
        latencyStats = ResultDocument.percentiles.map {
            ResultDocument.LatencyStat(percentile: $0, microseconds: result.latency.value(atPercentile: $0))
        }
        stage = Int(result.stage)
        histogram = result.latency.encodedV2Base64()
        stopReason = result.stopReason
        verdict = result.verdict.isOK ? .ok : .reasons(result.verdict.reasons)
        durationSeconds = result.seconds
        engineLagP99Us = result.engineLag.totalCount > 0 ? result.engineLag.value(atPercentile: 99) : 0
        engineLagMaxUs = result.engineLag.totalCount > 0 ? result.engineLag.maxValue : 0
        engineThreads = result.threadsPerClient
        if result.threadsPerClient > 0 {
            clientCPUPercent = result.clientCPUSeconds.mapValues { cpu in
                (cpu / seconds / Double(result.threadsPerClient) * 1000).rounded() / 10
            }
        }
        agentProblems = result.agentProblems
        groups = result.groups
    }
}

extension ResultDocument.GroupSummary {
    /// The summary of group `name` from what the stage's aggregator merged for it.
    init(name: String, _ merged: IntervalAggregator.Merged, seconds: Double) {
        let latency = merged.latency
        let hasLatency = latency.totalCount > 0
        self.init(
            name: name, clients: merged.agents.count, requests: merged.requests,
            requestsPerSecond: (Double(merged.requests) / max(seconds, 0.001) * 100).rounded() / 100, errors: merged.errors.total,
            p50Us: hasLatency ? latency.value(atPercentile: 50) : nil, p90Us: hasLatency ? latency.value(atPercentile: 90) : nil,
            p99Us: hasLatency ? latency.value(atPercentile: 99) : nil, p999Us: hasLatency ? latency.value(atPercentile: 99.9) : nil)
    }
}

extension ResultDocument {
    /// The document of a run.
    ///
    /// - Parameters:
    ///   - startedAt: when the run started (`time`).
    ///   - status: `done`, `stopped`, `interrupted` or `failed`.
    ///   - stages: every stage that ran, in order.
    ///   - config: the effective configuration (YAML) the run used.
    ///   - test: the test of an interactive run, from 1.
    public init(
        runID: String, cloud: String, label: String?, startedAt: Date, status: String, detail: String?,
        stages: [StageResult], intervals: [IntervalSummary], agents: [AgentSummary], runReasons: [String] = [],
        config: String? = nil, test: Int? = nil
    ) {
        self.test = test
        time = Self.timeText(startedAt)
        testMode = "http"
        version = KloudBuster.version
        kbResult = stages.map(StageEntry.init)
        self.runID = runID
        self.cloud = cloud
        self.label = label
        self.status = status
        self.detail = detail
        var errors = ErrorTally()
        var codes: [Int: UInt64] = [:]
        var total = Histogram()
        for stage in stages {
            errors.add(stage.errors)
            for (code, count) in stage.statusCodes { codes[code, default: 0] += count }
            // Same layout on both sides by construction; a failure here is a programming error.
            do { try total.add(stage.latency) } catch { preconditionFailure("ResultDocument: \(error)") }
        }
        self.errors = errors
        statusCodes = Dictionary(uniqueKeysWithValues: codes.map { ("\($0.key)", $0.value) })
        histogram = total.encodedV2Base64()
        self.intervals = intervals
        self.agents = agents
        let reasons = stages.flatMap { stage in stage.verdict.reasons.map { "stage \(stage.stage): \($0)" } } + runReasons
        verdict = reasons.isEmpty ? .ok : .reasons(reasons)
        self.config = config
    }

    /// `YYYY-MM-DD HH:MM:SS` in local time, KloudBuster's `time` format.
    static func timeText(_ date: Date) -> String {
        let calendar = Calendar(identifier: .gregorian)
        let c = calendar.dateComponents(in: TimeZone.current, from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
