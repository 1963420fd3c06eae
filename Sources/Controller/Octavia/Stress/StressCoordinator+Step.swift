import Foundation
import Proto

/// What the agents reported for one interval index of a step, summed.
struct StepInterval {
    var sent: UInt64 = 0
    var errors: UInt64 = 0
    var oversize: UInt64 = 0
    var bytes: UInt64 = 0
    var lag = Histogram()
    var lagMaxUs: Int64 = 0
    var cpuSeconds = 0.0
    var agents: Set<String> = []
    var lastError: String?

    /// Adds `report` of `agentID`, whose send-lag histogram the caller decoded once (`lag`).
    mutating func add(_ report: Kb_V1_IntervalReport, from agentID: String, lag reportLag: Histogram?) {
        sent += report.amphora.heartbeatsSent
        errors += report.amphora.sendErrors
        oversize += report.amphora.oversize
        bytes += report.amphora.bytesSent
        if let reportLag { try? lag.add(reportLag) }
        lagMaxUs = max(lagMaxUs, report.lagMaxUs)
        cpuSeconds += report.cpuUserS + report.cpuSysS
        agents.insert(agentID)
        if !report.amphora.lastError.isEmpty { lastError = "\(agentID): \(report.amphora.lastError)" }
    }
}

// One rate step: Prepare, Start, an interval line per report interval, the drain.
extension StressCoordinator {
    /// Runs step `number` with each amphora sending every `interval`.
    func runStep(_ number: Int, interval: Duration) async throws -> StressStep {
        let rate = settings.rate(at: interval)
        let live = channel.roster.live(role: .amphora)
        guard !live.isEmpty else { throw RunError("no amphora agent is left in the test (all failed or lost)") }
        try await prepare(live, interval: interval)

        watch.mark()
        pending = [:]
        finals = []
        var totals = StepInterval()
        stepTotals = StepInterval()
        let stage = UInt32(number)
        runningStage = stage
        let startInstant = clock.now + Self.startLead
        var start = Kb_V1_Start()
        start.stage = stage
        start.startUnixNs = WallClock.nowUnixNs() + Int64(Self.startLead.inSeconds * 1e9)
        start.durationMs = UInt64(settings.duration.inSeconds * 1000)
        publish(.start(start), topic: AgentRole.amphora.rawValue, to: Set(live))
        console.progress(
            "step \(number): \(settings.amphorae) amphorae at \(Self.number(rate)) heartbeats/s (each every \(Self.number(interval.inSeconds)) s) for \(settings.duration.secondsText)")
        console.emit("     time      sent/s  errors  oversize  lag p99 | fresh p50     p99     max  >interval  >timeout  missing")

        var intervals: [StressInterval] = []
        var closed = -1
        let report = settings.reportInterval
        let deadline = startInstant + settings.duration + .seconds(10)
        while true {
            let current = Set(channel.roster.live(role: .amphora)).intersection(live)
            if current.isSubset(of: finals) || clock.now >= deadline { break }
            let next = closed + 1
            if let collected = pending[next],
                current.isSubset(of: collected.agents) || clock.now >= startInstant + report * (next + 1) + report + .seconds(1)
            {
                intervals.append(try await close(next, startInstant: startInstant, interval: interval))
                closed = next
                continue
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        runningStage = nil
        for index in pending.keys.sorted() where index > closed {
            intervals.append(try await close(index, startInstant: startInstant, interval: interval))
        }
        totals = stepTotals
        for id in live where !finals.contains(id) && !(channel.roster.phase(of: id)?.isGone ?? true) {
            handleLost(id, reason: "no final report within 10 s of the step's end")
        }
        let stopAt = clock.now
        let probe = FreshnessProbe(
            prefix: population.prefix, amphorae: settings.amphorae, interval: interval, heartbeatTimeout: settings.heartbeatTimeout)
        let freshness = try await database.run { try probe.measure($0) }
        let (drainSeconds, drained) = try await drain(probe: probe, from: stopAt)
        let drops = watch.dropsSinceMark()
        let log = watch.logSinceMark()
        let seconds = max(0.001, intervals.last?.time ?? settings.duration.inSeconds)
        let step = StressStep(
            step: number, rate: rate, intervalSeconds: interval.inSeconds, durationSeconds: settings.duration.inSeconds,
            heartbeatsSent: totals.sent, sendErrors: totals.errors, oversize: totals.oversize, bytesSent: totals.bytes,
            sentPerSecond: Double(totals.sent) / seconds,
            sendLagP99Ms: Double(totals.lag.value(atPercentile: 99)) / 1000, sendLagMaxMs: Double(totals.lagMaxUs) / 1000,
            agentCPUSeconds: totals.cpuSeconds, freshness: freshness, drainSeconds: drainSeconds, drained: drained,
            udpReceiveBufferErrors: drops, healthManagerLog: log,
            keptUp: freshness.keptUp && totals.errors == 0 && totals.oversize == 0 && (drops ?? 0) == 0 && (log?.notGood ?? 0) == 0,
            intervals: intervals)
        summarize(step, lastError: totals.lastError)
        return step
    }

    /// Prepares `agents` for `interval` and waits until all are READY.
    private func prepare(_ agents: [String], interval: Duration) async throws {
        for id in agents {
            guard let index = agentIDs.firstIndex(of: id) else { continue }
            var prepare = Kb_V1_Prepare()
            prepare.role = .amphora(settings.params(agent: index, prefix: population.prefix, interval: interval))
            channel.rejections[id] = nil
            publish(.prepare(prepare), topic: id, to: [id])
        }
        let ready = await wait(until: clock.now + Self.prepareTimeout) {
            agents.allSatisfy { id in
                let phase = self.channel.roster.phase(of: id)
                return phase == .ready || phase?.isGone == true || self.channel.rejections[id] != nil
            }
        }
        if interruptReason != nil { throw RunInterrupted() }
        var problems: [String] = []
        for id in agents {
            switch channel.roster.phase(of: id) {
            case .ready: continue
            case .failed(let detail): problems.append("\(id) failed: \(detail)")
            case .lost(let reason): problems.append("\(id) lost: \(reason)")
            default: problems.append(channel.rejections[id].map { "\(id) refused Prepare: \($0)" } ?? "\(id) not ready")
            }
        }
        guard ready, problems.isEmpty else {
            throw RunError("amphora agents could not be prepared within \(Self.prepareTimeout.secondsText): " + problems.joined(separator: "; "))
        }
    }

    /// Takes an amphora agent's interval report into the running step.
    func record(_ report: Kb_V1_IntervalReport, from agentID: String) {
        guard let stage = runningStage, report.stage == stage, report.hasAmphora else { return }
        let lag = report.lagHistogram.isEmpty ? nil : try? Histogram(decodingV2: Array(report.lagHistogram))
        pending[Int(clamping: report.index), default: StepInterval()].add(report, from: agentID, lag: lag)
        stepTotals.add(report, from: agentID, lag: lag)
        if report.final { finals.insert(agentID) }
    }

    /// Closes interval `index`: probes freshness, prints and returns its line.
    private func close(_ index: Int, startInstant: ContinuousClock.Instant, interval: Duration) async throws -> StressInterval {
        let collected = pending[index] ?? StepInterval()
        let probe = FreshnessProbe(
            prefix: population.prefix, amphorae: settings.amphorae, interval: interval, heartbeatTimeout: settings.heartbeatTimeout)
        let freshness = try await database.run { try probe.measure($0) }
        let time = max(0, (clock.now - startInstant).inSeconds)
        let line = StressInterval(
            time: time, heartbeatsSent: collected.sent,
            heartbeatsPerSecond: Double(collected.sent) / settings.reportInterval.inSeconds, sendErrors: collected.errors,
            oversize: collected.oversize, sendLagP99Ms: Double(collected.lag.value(atPercentile: 99)) / 1000, freshness: freshness)
        console.emit(
            Self.pad(Self.number(time) + " s", 9) + Self.pad(Self.number(line.heartbeatsPerSecond), 12) + Self.pad("\(line.sendErrors)", 8)
                + Self.pad("\(line.oversize)", 10) + Self.pad(Self.number(line.sendLagP99Ms) + " ms", 9) + " |"
                + Self.pad(Self.number(freshness.p50) + " s", 10) + Self.pad(Self.number(freshness.p99) + " s", 8)
                + Self.pad(Self.number(freshness.max) + " s", 8) + Self.pad("\(freshness.olderThanInterval)", 11)
                + Self.pad("\(freshness.olderThanTimeout)", 10) + Self.pad("\(freshness.missing)", 9))
        return line
    }

    /// Waits until the run's newest `last_update` (and, with --hm-log, the HM's log, where it
    /// reports heartbeats it dropped as too old) stays the same for `drainQuiet`; returns the
    /// seconds from `stopAt` to the last change, and whether it went quiet in time.
    private func drain(probe: FreshnessProbe, from stopAt: ContinuousClock.Instant) async throws -> (Double, Bool) {
        func state() async throws -> String {
            let newest = try await database.run { try probe.newestUpdate($0) }
            return newest + "/" + String(watch.logSize() ?? 0)
        }
        var last = try await state()
        var lastChange = stopAt
        while clock.now < stopAt + settings.drainTimeout, interruptReason == nil {
            try? await Task.sleep(for: .milliseconds(250))
            let now = try await state()
            if now != last {
                last = now
                lastChange = clock.now
            }
            if clock.now - lastChange >= settings.drainQuiet { return ((lastChange - stopAt).inSeconds, true) }
        }
        return ((lastChange - stopAt).inSeconds, false)
    }

    private func summarize(_ step: StressStep, lastError: String?) {
        let f = step.freshness
        var line = "step \(step.step): sent \(step.heartbeatsSent) (\(Self.number(step.sentPerSecond))/s), \(step.sendErrors) send errors, \(step.oversize) oversize; "
            + "at the stop freshness p50 \(Self.number(f.p50)) s, p99 \(Self.number(f.p99)) s, max \(Self.number(f.max)) s, "
            + "\(f.olderThanInterval) older than the interval, \(f.missing) never processed; "
            + (step.drained ? "drained \(Self.number(step.drainSeconds)) s after the stop" : "still updating \(settings.drainTimeout.secondsText) after the stop")
        if let drops = step.udpReceiveBufferErrors { line += "; \(drops) UDP receive-buffer drops" }
        if let log = step.healthManagerLog {
            line += "; HM log: \(log.notGood) THIS IS NOT GOOD, \(log.hmacMismatches) HMAC, \(log.exceptions) exceptions"
        }
        line += step.keptUp ? " → kept up" : " → fell behind"
        console.progress(line)
        if step.sendLagP99Ms > step.intervalSeconds * 500 {
            console.progress("note: the senders ran \(Self.number(step.sendLagP99Ms)) ms late (p99): this machine, not the HM, limited the step; add --agents or hosts")
        }
        if let lastError { console.progress("last send error: \(lastError)") }
    }

    private func handleLost(_ id: String, reason: String) {
        for event in channel.roster.declareLost(id, reason: reason) {
            if case .lost(let agentID, let reason) = event { console.progress("agent \(agentID) lost: \(reason)") }
        }
        channel.forget(agent: id)
    }

    static func number(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
