/// What the exit status of `kb-agent load` says about a finished run: the numbers stand (0),
/// every request failed (1), or the run completed but its numbers describe the client more than
/// the target (3).
public enum LoadVerdict: Equatable, Sendable {
    /// At least one response succeeded and nothing casts doubt on the numbers: exit 0.
    case trustworthy
    /// No response with a 2xx or 3xx status: exit 1; the text says why, as the errors do.
    case everyRequestFailed(String)
    /// Completed, but a `--rate` was missed by more than `rateTolerance`, or the engine's own
    /// send lag shows the client was saturated: exit 3; the text says which and why.
    case untrustworthy(String)

    /// How far below its `--rate` a run may fall (the share of the rate) and still be trusted.
    public static let rateTolerance = 0.05

    /// Engine lag (p99) from which the client counts as saturated. An engine that keeps up sends
    /// within a millisecond of its schedule; 1 % of sends this late is no scheduling hiccup.
    public static let saturationLagMicroseconds: Int64 = 50_000

    /// The verdict on `result`.
    public init(result: LoadResult) {
        let totals = result.totals
        if totals.requests.saturatingMinus(totals.errors.status) == 0 {
            let reasons = totals.errors.named.filter { $0.count > 0 }.map { kind in
                "\(kind.name) errors: \(kind.count)" + (totals.errorReasons.reason(named: kind.name).map { " (\($0))" } ?? "")
            }
            let seconds = Formatting.fixed(result.duration, 2)
            self = .everyRequestFailed(reasons.isEmpty
                ? "no request completed in \(seconds)s"
                : "every request failed in \(seconds)s: " + reasons.joined(separator: "; "))
            return
        }
        guard let rate = result.plan.rate else {
            self = .trustworthy
            return
        }
        let lag = totals.lag.totalCount > 0 ? totals.lag.value(atPercentile: 99) : 0
        let saturated = lag > LoadVerdict.saturationLagMicroseconds
        let saturation = "the client is saturated (engine lag p99 \(Formatting.latency(lag)))"
        let achieved = result.requestsPerSecond
        if achieved < rate * (1 - LoadVerdict.rateTolerance) {
            let share = Formatting.fixed(rate > 0 ? achieved / rate * 100 : 0, 0)
            var text = "target rate \(Formatting.grouped(rate)) req/s not reached: \(Formatting.grouped(achieved)) req/s (\(share) %); "
            if saturated {
                text += saturation
            } else {
                // Latency is timed from the schedule, so it cannot tell the server's share apart;
                // what is known is that the sends were on time and the responses were not.
                let connections = result.plan.connections
                text += "the target did not keep up with \(connections) connection\(connections == 1 ? "" : "s") (one request in flight each); give more --connections or a lower --rate"
            }
            self = .untrustworthy(text)
        } else if saturated {
            self = .untrustworthy(saturation + ", so its latencies include the client's own delay")
        } else {
            self = .trustworthy
        }
    }

    /// The process exit status: 0, 1 or 3.
    public var exitStatus: Int32 {
        switch self {
        case .trustworthy: return 0
        case .everyRequestFailed: return 1
        case .untrustworthy: return 3
        }
    }

    /// The line for stderr; nil when there is nothing to say.
    public var message: String? {
        switch self {
        case .trustworthy: return nil
        case .everyRequestFailed(let text): return "kb-agent: error: \(text)"
        case .untrustworthy(let text): return "kb-agent: result not trustworthy: \(text)"
        }
    }
}
