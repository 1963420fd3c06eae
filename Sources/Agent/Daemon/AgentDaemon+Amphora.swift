#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto

/// The amphora role: Prepare builds the heartbeat templates and connects to the health
/// managers; each stage sends heartbeats on schedule and reports what was sent.
extension AgentDaemon {
    func prepareAmphora(_ plan: AmphoraPlan, commandSeq: UInt64) async {
        report(.preparing)
        let made: Result<AmphoraSession, Error> = await DedicatedThread.run {
            Result { try AmphoraSession(plan: plan) }
        }
        guard case .preparing(let current) = state, current == commandSeq else { return }
        switch made {
        case .failure(let error):
            state = .idle
            report(.failed, detail: "Prepare: amphora: \(error)")
        case .success(let session):
            state = .ready(.amphora(session))
            let size = session.sampleDatagramBytes().map { "\($0)-byte" } ?? "oversize"
            var detail = "\(plan.count) amphorae (\(plan.names.id("amp", plan.first))...), \(size) heartbeats "
                + "every \(Formatting.fixed(plan.heartbeatInterval.seconds, 3)) s to \(plan.endpoints.map(\.description).joined(separator: ", "))"
            if session.oversizeAmphorae > 0 {
                detail += "; \(session.oversizeAmphorae) amphorae's heartbeats are over 65,507 bytes and will be refused and counted"
            }
            report(.ready, detail: detail)
        }
    }

    /// Runs one amphora stage on a dedicated thread, reporting each interval as it ends.
    nonisolated func runAmphoraStage(_ context: StageContext, session: AmphoraSession, stopped: AsyncStream<Never>) async {
        let outbox = self.outbox
        let signals = context.signals
        logger.info("RUNNING stage \(context.stage): \(session.plan.count) amphorae at \(Int(session.plan.rate)) heartbeats/s")
        outbox.send(.agentStatus(.make(.running, stage: context.stage)))
        let watcher = Task {
            for await _ in stopped {}
            signals.stopRequested.store(true, ordering: .sequentiallyConsistent)
        }
        let sent = await DedicatedThread.run { () -> UInt64 in
            var index: UInt64 = 0
            var cpuBefore = CPUTime.now()
            var total: UInt64 = 0
            session.run(
                startAt: context.startAt, duration: context.duration,
                shouldStop: { signals.stopRequested.load(ordering: .relaxed) }
            ) { sample, final in
                let cpu = CPUTime.now()
                let agentStart = context.startAgentUnixNs &+ Int64(sample.startOffset * 1e9)
                var report = Kb_V1_IntervalReport.amphora(
                    stage: context.stage, index: index, sample: sample, amphorae: session.plan.count,
                    startUnixNs: context.offset?.controllerTime(agentUnixNs: agentStart) ?? agentStart,
                    cpu: cpu.subtracting(cpuBefore))
                report.final = final
                outbox.send(.intervalReport(report))
                cpuBefore = cpu
                index += 1
                total += sample.sent
            }
            return total
        }
        watcher.cancel()
        await amphoraStageEnded(context.stage, sent: sent)
    }

    private func amphoraStageEnded(_ stage: UInt32, sent: UInt64) {
        runningStageSignals = nil
        switch state {
        case .running(let prepared, let running) where running.stage == stage:
            state = .ready(prepared)
        case .stopping:
            break
        default:
            fatalError("AgentDaemon: amphora stage \(stage) ended while the agent was \(state)")
        }
        report(.done, stage: stage, detail: "\(sent) heartbeats")
    }
}

extension Kb_V1_IntervalReport {
    /// The report of one amphora interval.
    static func amphora(
        stage: UInt32, index: UInt64, sample: AmphoraSample, amphorae: Int, startUnixNs: Int64, cpu: CPUTime
    ) -> Kb_V1_IntervalReport {
        var report = Kb_V1_IntervalReport()
        report.stage = stage
        report.index = index
        report.startUnixNs = startUnixNs
        report.durationNs = UInt64(max(0, sample.length * 1e9))
        var counters = Kb_V1_AmphoraCounters()
        counters.heartbeatsSent = sample.sent
        counters.sendErrors = sample.sendErrors
        counters.oversize = sample.oversize
        counters.bytesSent = sample.bytes
        counters.amphorae = UInt64(amphorae)
        counters.lastError = sample.lastError ?? ""
        report.amphora = counters
        if sample.lag.totalCount > 0 {
            report.lagHistogram = Data(sample.lag.encodedV2(Histogram.wireCompression))
            report.lagMaxUs = sample.lagMaxUs
        }
        report.cpuUserS = cpu.user
        report.cpuSysS = cpu.system
        return report
    }
}

