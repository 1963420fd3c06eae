#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto

/// Interval reports built from what the engine and nginx measured (docs/run-protocol.md
/// "Commands" and "Liveness"), so the stage code reads as when it reports, not how.
extension Kb_V1_IntervalReport {
    /// The report of one client interval.
    ///
    /// - Parameters:
    ///   - totals: The engine's totals of this interval only (`IntervalSample.totals`).
    ///   - startUnixNs: Start of the interval on the controller's clock.
    ///   - durationNs: Its measured length.
    ///   - cpu: The agent's CPU time during the interval.
    public static func client(
        stage: UInt32, index: UInt64, totals: EngineTotals, startUnixNs: Int64, durationNs: UInt64, cpu: CPUTime
    ) -> Kb_V1_IntervalReport {
        var report = Kb_V1_IntervalReport()
        report.stage = stage
        report.index = index
        report.startUnixNs = startUnixNs
        report.durationNs = durationNs
        report.requests = totals.requests
        report.bytesRead = totals.bytesRead
        report.bytesWritten = totals.bytesWritten
        report.errors = Kb_V1_ErrorCounts(totals.errors)
        for (code, count) in totals.statusCodes {
            // The engine keeps codes outside 100...599 under 0, as the schema does.
            report.statusCodes[UInt32(clamping: code)] = count
        }
        // Empty means "no request completed" to the controller; an encoded empty histogram would
        // cost a few dozen bytes per agent and interval for nothing.
        if !totals.latency.isEmpty {
            report.latencyHistogram = Data(totals.latency.encodedV2(Histogram.wireCompression))
            report.latencyMaxUs = totals.latencyMax
        }
        if !totals.lag.isEmpty {
            report.lagHistogram = Data(totals.lag.encodedV2(Histogram.wireCompression))
            report.lagMaxUs = totals.lagMax
        }
        report.cpuUserS = cpu.user
        report.cpuSysS = cpu.system
        report.openConnections = UInt32(clamping: totals.openConnections)
        return report
    }

    /// Makes this the last report of the stage, carrying the whole stage's latencies.
    ///
    /// - Parameter stageTotals: The engine's cumulative totals after it stopped (exact).
    public mutating func makeFinal(stageTotals: EngineTotals) {
        final = true
        if !stageTotals.latency.isEmpty {
            stageLatencyHistogram = Data(stageTotals.latency.encodedV2(Histogram.wireCompression))
        }
        stageLatencyMaxUs = stageTotals.latencyMax
    }

    /// A server agent's report: nginx's counters, sampled now.
    public static func server(
        stage: UInt32, index: UInt64, status: StubStatus, startUnixNs: Int64, durationNs: UInt64, cpu: CPUTime
    ) -> Kb_V1_IntervalReport {
        var report = Kb_V1_IntervalReport()
        report.stage = stage
        report.index = index
        report.startUnixNs = startUnixNs
        report.durationNs = durationNs
        report.server = Kb_V1_ServerCounters(status)
        report.cpuUserS = cpu.user
        report.cpuSysS = cpu.system
        report.openConnections = UInt32(clamping: status.active)
        return report
    }
}

extension Kb_V1_ErrorCounts {
    /// The engine's error counts on the wire.
    public init(_ errors: ErrorCounts) {
        self.init()
        connect = errors.connect
        read = errors.read
        write = errors.write
        timeout = errors.timeout
        status = errors.status
        parse = errors.parse
    }
}

extension Kb_V1_ServerCounters {
    /// nginx's stub_status on the wire.
    public init(_ status: StubStatus) {
        self.init()
        active = status.active
        accepts = status.accepts
        handled = status.handled
        requests = status.requests
        reading = status.reading
        writing = status.writing
        waiting = status.waiting
    }
}
