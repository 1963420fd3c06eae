import Foundation
import Proto

// The stages: Start, merge the reports, close intervals, end on time, check the stop limit.
extension RunCoordinator {
    /// Runs the planned stages until the last one or the stop limit.
    func runStages() async throws {
        expect(.preparing, "runStages")
        try? ledger.setRunStatus(runID, .running)
        for stage in plan.stages {
            let active = Array(channel.roster.live(role: .httpClient).filter { id in
                topology.clients.firstIndex { $0.id == id }.map { $0 < stage.clients } ?? false
            })
            guard !active.isEmpty else {
                throw RunError("stage \(stage.number): no client agent is left in the run (all lost or failed)")
            }
            state = .running(stage: stage.number)
            let result = await runStage(stage, active: active)
            guard state == .running(stage: stage.number) else {
                fatalError("RunCoordinator.runStages: state changed to \(state) during stage \(stage.number)")
            }
            stages.append(result)
            if interruptReason != nil { throw RunInterrupted() }
            if result.stopReason != nil { break }
        }
    }

    /// One stage: Start at a common instant, then wait for every final report or the deadline.
    private func runStage(_ stage: StagePlan.Stage, active: [String]) async -> StageResult {
        let tool = configuration.client.httpTool
        let startUnixNs = WallClock.nowUnixNs() + Int64(settings.startLead.inSeconds * 1e9)
        let startInstant = clock.now + settings.startLead
        let plannedEnd = startInstant + settings.duration
        var result = StageResult(
            stage: stage.number, description: plan.description(of: stage, totalClients: topology.clients.count),
            activeClients: active.count, totalServers: topology.servers.count, connectionsPerClient: tool.connections,
            rateLimitPerClient: tool.rateLimit, seconds: settings.duration.inSeconds)
        result.description = plan.description(of: stage, totalClients: topology.clients.count)
        result.threadsPerClient = tool.threads
        let groupCount = Set(active.map(group(of:))).count
        tracker = StageTracker(
            stage: stage, active: active, isActive: Set(active), startUnixNs: startUnixNs, startInstant: startInstant, plannedEnd: plannedEnd,
            deadline: plannedEnd + settings.finalGrace, interval: settings.reportInterval,
            groups: GroupIntervals.isUseful(groups: groupCount) ? GroupIntervals(groups: groupCount, clients: active.count) : nil,
            result: result)
        var start = Kb_V1_Start()
        start.stage = stage.number
        start.startUnixNs = startUnixNs
        start.durationMs = UInt64(settings.duration.inSeconds * 1000)
        if active.count == topology.clients.count {
            publish(.start(start), topic: AgentRole.httpClient.rawValue, to: Set(active))
        } else {
            for id in active { publish(.start(start), topic: id, to: [id]) }
        }
        console.progress("stage \(stage.number): \(active.count) client(s) loading for \(settings.duration.secondsText)")
        console.intervalHeader()

        var lastFullCheck = clock.now - .seconds(1)
        while true {
            guard let current = tracker else { fatalError("RunCoordinator.runStage: the stage tracker vanished") }
            // Every active client final: the usual end, checked cheaply every 20 ms. The checks
            // that need who is still live cost O(clients), so they run every 200 ms, or at once
            // when the deadline passed or a stop is to be sent.
            if current.finals.count == current.active.count { break }
            let now = clock.now
            let stopDue = interruptReason != nil && !current.stopSent
            if now >= current.deadline || stopDue || now - lastFullCheck >= .milliseconds(200) {
                lastFullCheck = now
                let live = Set(channel.roster.live(role: .httpClient))
                if current.allFinal(live: live) { break }
                if now >= current.deadline {
                    for id in current.active where live.contains(id) && !current.finals.contains(id) {
                        handle(channel.roster.declareLost(id, reason: "no final report within \(settings.finalGrace.secondsText) of the stage's end"))
                    }
                    break
                }
                if stopDue {
                    tracker!.stopSent = true
                    // Graceful: the clients send their final reports; the stage ends when they do.
                    tracker!.deadline = min(current.deadline, now + settings.finalGrace)
                    var stop = Kb_V1_Stop()
                    stop.stage = stage.number
                    for id in current.active where live.contains(id) { publish(.stop(stop), topic: id, to: [id]) }
                }
            }
            try? await Task.sleep(for: .milliseconds(20))
            guard state == .running(stage: stage.number) else {
                fatalError("RunCoordinator.runStage: state changed to \(state) during stage \(stage.number)")
            }
        }
        closeIntervals(now: clock.now, force: true)
        var done = tracker!.result
        done.seconds = tracker!.measuredSeconds(fallback: settings.duration.inSeconds)
        done.groups = tracker!.aggregator.groups.sorted { HTMLReport.naturalOrder($0.key, $1.key) }.map {
            ResultDocument.GroupSummary(name: $0.key, $0.value, seconds: done.seconds)
        }
        tracker = nil
        if let limit = plan.stopLimit {
            let latency = done.latency
            done.stopReason = limit.reason(socketErrors: done.socketErrors + done.errors.timeout) {
                latency.value(atPercentile: $0)
            }
            if let reason = done.stopReason { console.progress("stage \(stage.number): \(reason)") }
        }
        done.verdict = Verdict.of(done, limits: settings.verdictLimits)
        if done.stopReason != nil {
            // The progression's stop limit found where errors begin: that is its result.
            done.verdict.reasons.removeAll { $0.hasPrefix("errors:") }
        }
        return done
    }

    /// Closes the intervals every live client reported (or that are overdue, or all when
    /// `force`): console line, state store row, hlog line, and into the stage's totals.
    func closeIntervals(now: ContinuousClock.Instant, force: Bool) {
        guard var current = tracker else { return }
        tracker = nil
        defer { tracker = current }
        var through = current.closedThrough
        let highest = force ? max(current.highestIndex, current.times.keys.max() ?? -1) : current.highestIndex
        guard through < highest else { return }
        let live = Set(channel.roster.live(role: .httpClient))
        while through < highest {
            let next = through + 1
            guard force || current.isComplete(next, live: live) || now >= current.due(next) else { break }
            through = next
        }
        guard through > current.closedThrough else { return }
        current.closedThrough = through
        for (index, merged) in current.aggregator.close(through: through) {
            let time = current.times[index] ?? (start: current.startUnixNs, durationNs: UInt64(settings.reportInterval.inSeconds * 1e9))
            let seconds = max(Double(time.durationNs) / 1e9, 0.001)
            // Both are the standard layout; a failing merge would be a bug in this build.
            do { try current.result.latency.add(merged.latency) } catch { fatalError("RunCoordinator: \(error)") }
            current.result.count(
                requests: merged.requests, bytesRead: merged.bytesRead, errors: merged.errors,
                statusCodes: merged.statusCodes, maxUs: merged.latencyMaxMicroseconds)
            let summary = IntervalSummary(
                stage: Int(current.stage.number), index: index, startUnixNs: time.start, durationSeconds: seconds,
                agents: merged.agents.count, requests: merged.requests, bytesRead: merged.bytesRead,
                requestsPerSecond: Double(merged.requests) / seconds,
                megabytesPerSecond: Double(merged.bytesRead) / 1e6 / seconds,
                p50Us: merged.latency.value(atPercentile: 50), p90Us: merged.latency.value(atPercentile: 90),
                p99Us: merged.latency.value(atPercentile: 99),
                p999Us: merged.latency.value(atPercentile: 99.9), maxUs: merged.latencyMaxMicroseconds,
                errors: merged.errors)
            intervals.append(summary)
            var live = summary
            live.groups = current.groups?.close(index, seconds: seconds)
            console.interval(live)
            hlog.append(merged.latency, key: .init(stage: summary.stage, index: index), startUnixNs: time.start, seconds: seconds)
            store(summary, histogram: merged.latency)
        }
    }

    /// Adds a late report to its closed interval: the JSON time series, the state store's row
    /// and the hlog line. Its console line was printed already; a note says what changed.
    func mergeLate(
        stage: Int, index: Int, from sender: String, latency: Histogram, requests: UInt64, bytesRead: UInt64,
        errors: ErrorTally, maxUs: Int64
    ) {
        let key = IntervalLog.Key(stage: stage, index: index)
        guard let position = intervals.lastIndex(where: { $0.stage == stage && $0.index == index }),
            var histogram = hlog.histogram(key)
        else {
            console.progress("late report of \(sender) for interval \(index) of stage \(stage): that interval was never closed")
            return
        }
        do { try histogram.add(latency) } catch { fatalError("RunCoordinator: \(error)") }
        var summary = intervals[position]
        let seconds = max(summary.durationSeconds, 0.001)
        summary.requests += requests
        summary.bytesRead += bytesRead
        summary.errors.add(errors)
        summary.requestsPerSecond = Double(summary.requests) / seconds
        summary.megabytesPerSecond = Double(summary.bytesRead) / 1e6 / seconds
        summary.p50Us = histogram.value(atPercentile: 50)
        summary.p90Us = histogram.value(atPercentile: 90)
        summary.p99Us = histogram.value(atPercentile: 99)
        summary.p999Us = histogram.value(atPercentile: 99.9)
        summary.maxUs = max(summary.maxUs, maxUs)
        intervals[position] = summary
        hlog.replace(key, with: histogram)
        store(summary, histogram: histogram)
        console.progress("late report of \(sender) merged into interval \(index) of stage \(stage) (+\(requests) requests)")
    }

    /// Writes an interval to the state store; a failure is reported and the run goes on.
    private func store(_ summary: IntervalSummary, histogram: Histogram) {
        do {
            let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
            try ledger.storeInterval(IntervalRecord(
                runID: runID, stage: plan.stopLimit == nil ? 0 : summary.stage, index: summary.index,
                startUnixNanoseconds: summary.startUnixNs, durationNanoseconds: Int64(summary.durationSeconds * 1e9),
                summaryJSON: json, histogram: Data(histogram.encodedV2())))
        } catch {
            console.progress("could not store interval \(summary.index) of stage \(summary.stage): \(error)")
        }
    }

    /// The aggregation group of a client: its server's tenant.
    func group(of clientID: String) -> String {
        clientGroups[clientID] ?? "unknown"
    }
}

extension ErrorTally {
    /// The tally of a wire `ErrorCounts`.
    init(_ counts: Kb_V1_ErrorCounts) {
        self.init()
        connect = counts.connect
        read = counts.read
        write = counts.write
        timeout = counts.timeout
        status = counts.status
        parse = counts.parse
    }
}
