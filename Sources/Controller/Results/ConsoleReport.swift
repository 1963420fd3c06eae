import Foundation

/// What a run prints while it runs (DESIGN.md §6): progress while staging and joining, one
/// line per interval (time, active agents, req/s, MB/s, p50/p99/p99.9, errors), then a summary
/// table with a row per stage. Pure formatting; the owner decides where lines go.
public struct ConsoleReport: Sendable {
    /// Receives each finished line (no trailing newline).
    public let emit: @Sendable (String) -> Void
    /// Receives what the lines say, as values (the server's event stream); nil when nobody
    /// listens.
    public let observe: (@Sendable (RunEvent) -> Void)?

    /// A report that hands its lines to `emit` and, when given, its events to `observe`.
    public init(emit: @escaping @Sendable (String) -> Void, observe: (@Sendable (RunEvent) -> Void)? = nil) {
        self.emit = emit
        self.observe = observe
    }

    /// A report that prints to standard output, above any progress bar shown there.
    public static let standardOutput = ConsoleReport { line in
        // Unbuffered (StatusLine writes through FileHandle): lines must show as they happen
        // when piped into `tee` or a CI log.
        StatusLine.standardOutput.print(line)
    }

    /// A line of progress, e.g. "joined 3 of 4 agents".
    public func progress(_ text: String) {
        emit(text)
        observe?(.progress(text))
    }

    /// An agent joined; a line only now and then (`line`), an event every time.
    public func agentJoined(_ agentID: String, joined: Int, total: Int, line: Bool) {
        if line { emit("joined \(joined) of \(total) agents") }
        observe?(.agentJoined(agentID: agentID, joined: joined, total: total))
    }

    /// An agent was lost (`what` is "lost" or "failed") and why.
    public func agentLost(_ agentID: String, what: String, reason: String) {
        emit("agent \(agentID) \(what): \(reason)")
        observe?(.agentLost(agentID: agentID, reason: "\(what): \(reason)"))
    }

    /// The column heads of the interval lines.
    public func intervalHeader() {
        emit(Self.pad(["time", "stage", "agents", "req/s", "MB/s", "p50", "p90", "p99", "p99.9", "errors"]))
    }

    /// One interval line.
    public func interval(_ summary: IntervalSummary) {
        emit(Self.pad([
            Self.clockText(summary.startUnixNs), "\(summary.stage)", "\(summary.agents)",
            Self.number(summary.requestsPerSecond), Self.number(summary.megabytesPerSecond, decimals: 2),
            Self.latency(summary.p50Us), Self.latency(summary.p90Us), Self.latency(summary.p99Us), Self.latency(summary.p999Us),
            "\(summary.errors.total)",
        ]))
        observe?(.interval(summary))
    }

    /// The summary table: one row per `kb_result` entry, then the errors and where results went.
    /// `final` is false for a test of an interactive run that others follow.
    public func summary(_ document: ResultDocument, files: [String], final: Bool = true) {
        emit("")
        let test = document.test.map { " test \($0)" } ?? ""
        emit("Run \(document.runID)\(test) (\(document.cloud)): \(document.status)\(document.detail.map { " - \($0)" } ?? "")")
        emit(Self.pad(["stage", "clients", "requests", "req/s", "MB/s", "sock err", "timeouts", "p50", "p90", "p99", "p99.9"]))
        for entry in document.kbResult {
            let stats = Dictionary(entry.latencyStats.map { ($0.percentile, $0.microseconds) }, uniquingKeysWith: { a, _ in a })
            emit(Self.pad([
                "\(entry.stage)", "\(entry.totalClientVms)", "\(entry.httpTotalReq)", Self.number(entry.httpRps),
                Self.number(entry.httpThroughputKbytes * 1024 / 1e6, decimals: 2), "\(entry.httpSockErr)", "\(entry.httpSockTimeout)",
                Self.latency(stats[50] ?? 0), Self.latency(stats[90] ?? 0), Self.latency(stats[99] ?? 0),
                Self.latency(stats[99.9] ?? 0),
            ]))
            if let reason = entry.stopReason { emit("  \(reason)") }
            for reason in entry.verdict.reasons { emit("  NOT OK: \(reason)") }
        }
        let e = document.errors
        emit("errors: connect \(e.connect), read \(e.read), write \(e.write), timeout \(e.timeout), status \(e.status), parse \(e.parse)")
        let lost = document.agents.filter { $0.status != "ok" }
        for agent in lost {
            emit("agent \(agent.id) (\(agent.role)): \(agent.status)\(agent.detail.map { ": \($0)" } ?? "")")
        }
        switch document.verdict {
        case .ok:
            emit("verdict: ok")
        case .reasons(let reasons):
            emit("verdict: NOT OK, the numbers above cannot be taken at face value (\(reasons.count) reason\(reasons.count == 1 ? "" : "s")):")
            for reason in reasons { emit("  - \(reason)") }
        }
        for file in files { emit("wrote \(file)") }
        if let test = document.test, !final {
            observe?(.testFinished(test: test, status: document.status, verdict: document.verdict))
        } else {
            observe?(.finished(status: document.status, verdict: document.verdict))
        }
    }

    /// "99.9", "50": a percentile without a needless ".0".
    static func percentileLabel(_ percentile: Double) -> String {
        percentile == percentile.rounded() ? "\(Int(percentile))" : "\(percentile)"
    }

    /// A latency in µs as "850us", "12.3ms", "1.20s".
    static func latency(_ microseconds: Int64) -> String {
        if microseconds < 1_000 { return "\(microseconds)us" }
        if microseconds < 1_000_000 { return number(Double(microseconds) / 1_000, decimals: 1) + "ms" }
        return number(Double(microseconds) / 1_000_000, decimals: 2) + "s"
    }

    /// `value` with `decimals` digits after the point.
    static func number(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = Int64((value * scale).rounded())
        guard decimals > 0 else { return "\(units)" }
        let whole = units / Int64(scale)
        let fraction = String(abs(units) % Int64(scale))
        return "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// HH:MM:SS local time of a Unix ns instant.
    static func clockText(_ unixNs: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(unixNs) / 1e9)
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    /// Columns right-aligned to 9 characters (the first left-aligned), so lines stack up.
    static func pad(_ columns: [String]) -> String {
        columns.enumerated().map { index, text in
            let gap = String(repeating: " ", count: max(0, 9 - text.count))
            return index == 0 ? text + gap : gap + text
        }.joined(separator: " ")
    }
}
