import Proto

/// Whether a stage's or a run's numbers can be trusted, and if not, why: a result that is
/// wrong and says "done" is the worst thing a load tester can print. `ok` is only given when
/// every check passed; each failed check is one reason an operator can act on.
public struct Verdict: Sendable, Equatable, CustomStringConvertible {
    /// Why the result cannot be taken at face value; empty when it can.
    public var reasons: [String]

    /// A verdict with `reasons` (ok when empty).
    public init(reasons: [String] = []) {
        self.reasons = reasons
    }

    /// True when no check failed.
    public var isOK: Bool { reasons.isEmpty }

    /// `ok`, or the reasons joined by "; ".
    public var description: String { isOK ? "ok" : reasons.joined(separator: "; ") }

    /// The limits the checks use.
    public struct Limits: Sendable, Equatable {
        /// The achieved rate may fall this far below the requested one, in percent.
        public var rateShortfallPercent = 5.0
        /// Errors (socket, timeout, non-2xx/3xx status) may be this share of all attempts, in percent.
        public var errorPercent = 1.0
        /// The engine's own lag (how late requests left because the client was busy) may reach
        /// this at p99, in µs; beyond it the client, not the cloud, set the pace. The same bound
        /// as `kb-agent load`'s (a busy 2-core machine's scheduling alone stays well under it).
        public var engineLagP99Microseconds: Int64 = 50_000
        /// A client agent may use this share of its engine threads' CPU, in percent.
        public var clientCPUPercent = 90.0

        /// The default limits.
        public init() {}
    }

    /// The checks of one stage.
    public static func of(_ stage: StageResult, limits: Limits = Limits()) -> Verdict {
        var reasons: [String] = []
        let seconds = max(stage.seconds, 0.001)
        let attempts = stage.requests + stage.socketErrors + stage.errors.timeout
        if attempts == 0 {
            reasons.append("no request was sent or answered")
        }
        if let perClient = stage.rateLimitPerClient, perClient > 0, stage.activeClients > 0 {
            let requested = Double(perClient * stage.activeClients)
            let achieved = Double(stage.requests) / seconds
            let short = (1 - achieved / requested) * 100
            if short > limits.rateShortfallPercent {
                reasons.append(
                    "target rate not reached: \(whole(achieved)) of \(whole(requested)) req/s requested (\(whole(short)) % short)")
            }
        }
        let errors = stage.socketErrors + stage.errors.timeout + stage.errors.status
        if attempts > 0, errors > 0 {
            let share = Double(errors) / Double(max(attempts, 1)) * 100
            if share > limits.errorPercent {
                reasons.append(
                    "errors: \(errors) of \(attempts) requests (\(tenths(share)) %, limit \(tenths(limits.errorPercent)) %): "
                        + errorKinds(stage))
            }
        }
        let lagP99 = stage.engineLag.totalCount > 0 ? stage.engineLag.value(atPercentile: 99) : 0
        if lagP99 > limits.engineLagP99Microseconds {
            reasons.append(
                "client saturated: requests left \(ConsoleReport.latency(lagP99)) late at p99 because the client was busy "
                    + "(limit \(ConsoleReport.latency(limits.engineLagP99Microseconds))); use more client VMs or threads")
        }
        if stage.threadsPerClient > 0 {
            for (agent, cpu) in stage.clientCPUSeconds.sorted(by: { $0.key < $1.key }) {
                let percent = cpu / seconds / Double(stage.threadsPerClient) * 100
                if percent > limits.clientCPUPercent {
                    reasons.append(
                        "client CPU saturated: \(agent) used \(whole(percent)) % of its \(stage.threadsPerClient) engine thread(s)")
                }
            }
        }
        reasons += stage.agentProblems.map { "agent \($0)" }
        return Verdict(reasons: reasons)
    }

    /// "connect 3, timeout 2, status 500×10".
    static func errorKinds(_ stage: StageResult) -> String {
        let e = stage.errors
        var parts: [String] = []
        for (name, count) in [("connect", e.connect), ("read", e.read), ("write", e.write), ("timeout", e.timeout), ("parse", e.parse)]
        where count > 0 {
            parts.append("\(name) \(count)")
        }
        let bad = stage.statusCodes.filter { $0.key >= 400 || $0.key < 200 }.sorted { $0.key < $1.key }
        parts += bad.map { "status \($0.key) ×\($0.value)" }
        if bad.isEmpty, e.status > 0 { parts.append("status \(e.status)") }
        return parts.joined(separator: ", ")
    }

    static func whole(_ value: Double) -> String { ConsoleReport.number(value) }
    static func tenths(_ value: Double) -> String { ConsoleReport.number(value, decimals: 1) }
}
