import Controller
import Prometheus
import Synchronization

/// What `/metrics` exposes, in Prometheus' text format, per run (`run` label): live req/s,
/// latency percentiles of the last interval, requests and errors by kind, agents joined and
/// lost; and the server's live runs. Fed by the runs' events.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let liveRuns: Gauge

    init() {
        liveRuns = registry.makeGauge(descriptor: Self.describe("kloudbuster_live_runs", "Runs this server is running now."))
    }

    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        // The unit is part of each name already ("_seconds", "_total"); an empty one is left out.
        MetricNameDescriptor(namespace: nil, subsystem: nil, metricName: name, unitName: "", helpText: help)
    }

    /// The exposition text.
    func exposition() -> String { registry.emitToString() }

    /// A run started or ended.
    func runStarted() { liveRuns.increment() }

    /// See `runStarted`.
    func runEnded() { liveRuns.decrement() }

    /// Accounts for one of run `runID`'s events.
    func record(_ event: RunEvent, run runID: String) {
        let labels = [("run", runID)]
        switch event {
        case .interval(let summary):
            registry.makeCounter(descriptor: Self.describe("kloudbuster_requests_total", "Complete responses of the run."), labels: labels)
                .increment(by: Int64(clamping: summary.requests))
            registry.makeGauge(descriptor: Self.describe("kloudbuster_requests_per_second", "Requests per second in the run's last interval."), labels: labels)
                .set(summary.requestsPerSecond)
            for (percentile, value) in [("50", summary.p50Us), ("90", summary.p90Us), ("99", summary.p99Us), ("99.9", summary.p999Us)] {
                registry.makeGauge(
                    descriptor: Self.describe("kloudbuster_latency_seconds", "Latency percentiles of the run's last interval."),
                    labels: labels + [("percentile", percentile)])
                    .set(Double(value) / 1e6)
            }
            let errors = summary.errors
            for (kind, count) in [("connect", errors.connect), ("read", errors.read), ("write", errors.write),
                                  ("timeout", errors.timeout), ("status", errors.status), ("parse", errors.parse)] {
                registry.makeCounter(descriptor: Self.describe("kloudbuster_errors_total", "Errors of the run by kind."), labels: labels + [("kind", kind)])
                    .increment(by: Int64(clamping: count))
            }
        case .agentJoined(_, let joined, _):
            registry.makeGauge(descriptor: Self.describe("kloudbuster_agents_joined", "Agents of the run that have joined."), labels: labels)
                .set(Double(joined))
        case .agentLost:
            registry.makeCounter(descriptor: Self.describe("kloudbuster_agents_lost_total", "Agents of the run lost or failed."), labels: labels)
                .increment()
        case .progress, .testFinished, .finished:
            break
        }
    }
}
