@testable import Controller
import Foundation
import Proto

/// Result documents with known stages, intervals, agents and histograms, for the report's tests.
enum ReportFixtures {
    /// A stage of `clients` clients at `rate` req/s each for `seconds`, whose latencies spread
    /// like a loaded server's: most near `typicalUs`, a long tail to 100 times it.
    static func stage(
        _ number: UInt32, clients: Int = 2, rate: Int = 500, seconds: Double = 10, typicalUs: Int64 = 800, errors: ErrorTally = ErrorTally()
    ) -> StageResult {
        var result = StageResult(
            stage: number, description: "Stage \(number): \(clients) of 8 client VM(s)", activeClients: clients, totalServers: 8,
            connectionsPerClient: 100, rateLimitPerClient: rate, seconds: seconds)
        let requests = Int64(Double(clients * rate) * seconds)
        result.latency = tail(requests: requests, typicalUs: typicalUs)
        result.count(
            requests: UInt64(requests), bytesRead: UInt64(requests) * 32_768, errors: errors, statusCodes: [200: UInt64(requests)],
            maxUs: result.latency.maxValue)
        result.engineLag.record(120, count: 1_000)
        result.engineLag.record(900, count: 10)
        result.threadsPerClient = 1
        for client in 0..<clients { result.clientCPUSeconds["run-cli-\(client)"] = seconds * (0.3 + Double(client) * 0.05) }
        result.groups = [
            .init(name: "tenant-0", clients: clients, requests: UInt64(requests), requestsPerSecond: Double(requests) / seconds,
                  errors: errors.total, p50Us: typicalUs, p90Us: typicalUs * 2, p99Us: typicalUs * 8, p999Us: typicalUs * 30),
        ]
        result.verdict = Verdict.of(result)
        return result
    }

    /// `requests` latencies: a log-normal-like body around `typicalUs` and a tail to 100×.
    static func tail(requests: Int64, typicalUs: Int64) -> Histogram {
        var histogram = Histogram()
        var left = requests
        // Shares of the requests at multiples of the typical latency: a body and a thinning tail.
        let shape: [(Double, Double)] = [
            (0.4, 0.05), (0.6, 0.15), (0.8, 0.25), (1.0, 0.25), (1.3, 0.15), (2, 0.1), (4, 0.04), (8, 0.009), (20, 0.0009), (100, 0.0001),
        ]
        for (index, (multiple, share)) in shape.enumerated() {
            let count = index == shape.count - 1 ? left : min(left, Int64(Double(requests) * share))
            // Spread each share over a few neighbouring values, as real latencies are.
            for step in 0..<8 {
                let value = Int64(Double(typicalUs) * multiple * (1 + Double(step) * 0.03))
                histogram.record(value, count: count / 8 + (step == 0 ? count % 8 : 0))
            }
            left -= count
        }
        return histogram
    }

    /// The intervals of `stage`: `count` of `seconds` each from `startUnixNs`, rps wobbling
    /// around the stage's rate, and `errorEvery` intervals a timeout and a connect error.
    static func intervals(
        stage: Int, count: Int, startUnixNs: Int64, rps: Double, typicalUs: Int64, seconds: Double = 1, errorEvery: Int = 0
    ) -> [IntervalSummary] {
        (0..<count).map { index in
            var errors = ErrorTally()
            if errorEvery > 0, index % errorEvery == 0 {
                errors.timeout = 2
                errors.connect = 1
            }
            let wobble = 1 + 0.03 * sin(Double(index) / 7)
            let requests = UInt64(rps * seconds * wobble)
            return IntervalSummary(
                stage: stage, index: index, startUnixNs: startUnixNs + Int64(Double(index) * seconds * 1e9), durationSeconds: seconds,
                agents: 2, requests: requests, bytesRead: requests * 32_768, requestsPerSecond: Double(requests) / seconds,
                megabytesPerSecond: Double(requests * 32_768) / 1e6 / seconds, p50Us: typicalUs, p90Us: typicalUs * 2,
                p99Us: typicalUs * 8 + Int64(index % 13) * 100, p999Us: typicalUs * 30 + Int64(index % 17) * 500,
                maxUs: typicalUs * 100, errors: errors)
        }
    }

    /// `clients` client and as many server agents in `groups` tenants, with clock offsets.
    static func agents(clients: Int, groups: Int = 1, lost: Int = 0) -> [AgentSummary] {
        var agents: [AgentSummary] = []
        for index in 0..<clients {
            let group = "tenant-\(index % groups)"
            agents.append(AgentSummary(
                id: "run-srv-\(index)", role: "http-server", address: "127.1.0.\(index + 2)", status: "ok", joined: true, lost: false,
                requests: 5_000, errors: 0, detail: nil, group: group, clockOffsetUs: Int64(index % 5) * 40 - 60))
            let isLost = index < lost
            agents.append(AgentSummary(
                id: "run-cli-\(index)", role: "http-client", address: "127.2.0.\(index + 2)", status: isLost ? "lost" : "ok", joined: true,
                lost: isLost, requests: 5_000, errors: 3, detail: isLost ? "silent for 3 report intervals" : nil, group: group,
                clockOffsetUs: Int64(index % 7) * 30))
        }
        return agents
    }

    /// A run of `stages` stages, `intervalsPerStage` one-second intervals each.
    static func document(
        runID: String = "kb-20261203-0840-ab12", label: String? = "baseline", stages: Int = 2, intervalsPerStage: Int = 10,
        rate: Int = 500, typicalUs: Int64 = 800, clients: Int = 2, groups: Int = 1, config: String? = "server:\n  number_tenants: 1\n"
    ) -> ResultDocument {
        let start: Int64 = 1_764_750_000_000_000_000
        var results: [StageResult] = []
        var intervals: [IntervalSummary] = []
        for number in 1...stages {
            let typical = typicalUs + Int64(number - 1) * typicalUs / 4
            results.append(stage(UInt32(number), clients: clients, rate: rate, seconds: Double(intervalsPerStage), typicalUs: typical))
            let stageStart = start + Int64(number - 1) * Int64(intervalsPerStage + 3) * 1_000_000_000
            intervals += Self.intervals(
                stage: number, count: intervalsPerStage, startUnixNs: stageStart, rps: Double(clients * rate), typicalUs: typical,
                errorEvery: 5)
        }
        return ResultDocument(
            runID: runID, cloud: "local", label: label, startedAt: Date(timeIntervalSince1970: 1_764_750_000), status: "done",
            detail: nil, stages: results, intervals: intervals, agents: agents(clients: clients, groups: groups), config: config)
    }
}
