import Foundation
import Proto

/// The JSON result of a run: KloudBuster's document (`time`, `test_mode`, `version`,
/// `kb_result` with one entry per stage, key names as KloudBuster wrote them) plus this
/// implementation's extensions (DESIGN.md §6): `run_id`, `cloud`, `errors` by kind,
/// `status_codes`, the merged `histogram`, the `intervals` time series and the `agents`.
public struct ResultDocument: Codable, Sendable, Equatable {
    /// When the run started, local time `YYYY-MM-DD HH:MM:SS`, as KloudBuster wrote it.
    public var time: String
    /// Always `http`: this implementation runs HTTP tests.
    public var testMode: String
    /// The KloudBuster version that produced the document.
    public var version: String
    /// One entry per stage.
    public var kbResult: [StageEntry]
    /// The run id.
    public var runID: String
    /// The cloud the run used (`local`, `openstack`).
    public var cloud: String
    /// The run's label, if one was given.
    public var label: String?
    /// How the run ended: `done`, `stopped` (stop limit), `interrupted` or `failed`.
    public var status: String
    /// Why it ended early or failed, when it did.
    public var detail: String?
    /// Errors of the whole run by kind (connect, read, write, timeout, status, parse).
    public var errors: ErrorTally
    /// Responses of the whole run by HTTP status code (keys are the codes as text).
    public var statusCodes: [String: UInt64]
    /// Every latency of the run, HdrHistogram V2 compressed, Base64, microseconds.
    public var histogram: String
    /// The merged time series, one entry per stage and interval.
    public var intervals: [IntervalSummary]
    /// Every agent: what it did and how it ended.
    public var agents: [AgentSummary]
    /// `"ok"` when every stage and the run passed their checks, else every reason, stages'
    /// first ("stage 2: target rate not reached: ...").
    public var verdict: VerdictValue = .ok
    /// The effective configuration of the run (YAML), as the ledger keeps it; nil in results
    /// written before it was stored here.
    public var config: String?
    /// The test of an interactive run (from 1; `run --interactive`), nil otherwise.
    public var test: Int?

    /// One `kb_result` entry: a stage's totals over its active clients.
    public struct StageEntry: Codable, Sendable, Equatable {
        /// What the stage was, e.g. "Stage 2: 4 of 8 client VM(s)".
        public var description: String
        /// Requests per second over the stage.
        public var httpRps: Double
        /// Complete responses.
        public var httpTotalReq: UInt64
        /// Socket errors: connect, read, write and parse failures.
        public var httpSockErr: UInt64
        /// Requests that timed out.
        public var httpSockTimeout: UInt64
        /// Received KiB per second over the stage.
        public var httpThroughputKbytes: Double
        /// The configured rate over all active clients (requests/s); 0 = unlimited.
        public var httpRateLimit: Int
        /// Connections over all active clients.
        public var totalConnections: Int
        /// Active client VMs.
        public var totalClientVms: Int
        /// Server VMs staged.
        public var totalServerVms: Int
        /// `[percentile, µs]` pairs for 50, 75, 90, 99, 99.9, 99.99 and 99.999.
        public var latencyStats: [LatencyStat]
        /// The stage number (extension).
        public var stage: Int
        /// The stage's histogram, V2 Base64, µs (extension).
        public var histogram: String
        /// Why the progression stopped after this stage, if it did (extension).
        public var stopReason: String?
        /// `"ok"`, or why this stage's numbers cannot be trusted (extension).
        public var verdict: VerdictValue = .ok
        /// How long the stage loaded, in seconds: its rates are per this (extension; nil in
        /// older results).
        public var durationSeconds: Double?
        /// The client engine's own lag at p99, µs: how late requests left because the client
        /// was busy (extension; nil in older results or without a rate limit's schedule).
        public var engineLagP99Us: Int64?
        /// The largest engine lag, µs (extension).
        public var engineLagMaxUs: Int64?
        /// Engine threads per client agent, what `client_cpu_percent` is a share of (extension).
        public var engineThreads: Int?
        /// CPU each client agent used during the stage, in percent of its engine threads
        /// (extension; keyed by agent id).
        public var clientCPUPercent: [String: Double]?
        /// Agents lost or failed during the stage, with what happened (extension).
        public var agentProblems: [String]?
        /// The stage's totals per server group (extension).
        public var groups: [GroupSummary]?

        enum CodingKeys: String, CodingKey {
            case description, stage, histogram
            case httpRps = "http_rps"
            case httpTotalReq = "http_total_req"
            case httpSockErr = "http_sock_err"
            case httpSockTimeout = "http_sock_timeout"
            case httpThroughputKbytes = "http_throughput_kbytes"
            case httpRateLimit = "http_rate_limit"
            case totalConnections = "total_connections"
            case totalClientVms = "total_client_vms"
            case totalServerVms = "total_server_vms"
            case latencyStats = "latency_stats"
            case stopReason = "stop_reason"
            case verdict, groups
            case durationSeconds = "duration_s"
            case engineLagP99Us = "engine_lag_p99_us"
            case engineLagMaxUs = "engine_lag_max_us"
            case engineThreads = "engine_threads"
            case clientCPUPercent = "client_cpu_percent"
            case agentProblems = "agent_problems"
        }
    }

    /// One server group's totals over a stage (`kb_result[].groups[]`): the clients that load
    /// the servers of one tenant, merged losslessly.
    public struct GroupSummary: Codable, Sendable, Equatable {
        /// The group, e.g. `tenant-0`.
        public var name: String
        /// Client agents that reported into it.
        public var clients: Int
        /// Complete responses.
        public var requests: UInt64
        /// Requests per second over the stage.
        public var requestsPerSecond: Double
        /// Errors, all kinds.
        public var errors: UInt64
        /// Latency percentiles over the stage, µs; nil when no client sent its stage histogram.
        public var p50Us: Int64?
        /// 90th percentile, µs.
        public var p90Us: Int64?
        /// 99th percentile, µs.
        public var p99Us: Int64?
        /// 99.9th percentile, µs.
        public var p999Us: Int64?

        /// Creates a summary.
        public init(
            name: String, clients: Int, requests: UInt64, requestsPerSecond: Double, errors: UInt64,
            p50Us: Int64? = nil, p90Us: Int64? = nil, p99Us: Int64? = nil, p999Us: Int64? = nil
        ) {
            self.name = name
            self.clients = clients
            self.requests = requests
            self.requestsPerSecond = requestsPerSecond
            self.errors = errors
            self.p50Us = p50Us
            self.p90Us = p90Us
            self.p99Us = p99Us
            self.p999Us = p999Us
        }

        enum CodingKeys: String, CodingKey {
            case name, clients, requests, errors
            case requestsPerSecond = "rps"
            case p50Us = "p50_us"
            case p90Us = "p90_us"
            case p99Us = "p99_us"
            case p999Us = "p999_us"
        }
    }

    /// A verdict in JSON: the string `"ok"`, or the list of reasons.
    public enum VerdictValue: Codable, Sendable, Equatable {
        /// Every check passed.
        case ok
        /// Why not.
        case reasons([String])

        /// The reasons, empty for ok.
        public var reasons: [String] {
            if case .reasons(let reasons) = self { return reasons }
            return []
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), text == "ok" {
                self = .ok
            } else {
                self = .reasons(try container.decode([String].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .ok: try container.encode("ok")
            case .reasons(let reasons): try container.encode(reasons)
            }
        }
    }

    /// One `[percentile, microseconds]` pair, encoded as a two-number JSON array.
    public struct LatencyStat: Codable, Sendable, Equatable {
        /// The percentile, e.g. 99.9.
        public var percentile: Double
        /// The latency at it, in µs.
        public var microseconds: Int64

        /// Creates a pair.
        public init(percentile: Double, microseconds: Int64) {
            self.percentile = percentile
            self.microseconds = microseconds
        }

        /// Reads `[percentile, µs]`.
        public init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            percentile = try container.decode(Double.self)
            microseconds = try container.decode(Int64.self)
        }

        /// Writes `[percentile, µs]`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(percentile)
            try container.encode(microseconds)
        }
    }

    /// The percentiles of `latency_stats`, as KloudBuster reported them.
    public static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 99.999]

    enum CodingKeys: String, CodingKey {
        case time, version, cloud, label, status, detail, errors, histogram, intervals, agents, verdict, config, test
        case testMode = "test_mode"
        case kbResult = "kb_result"
        case runID = "run_id"
        case statusCodes = "status_codes"
    }

    /// The document as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The document as JSON text.
    public func jsonText() throws -> String {
        String(decoding: try jsonData(), as: UTF8.self)
    }
}
