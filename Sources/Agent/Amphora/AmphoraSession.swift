import Proto
#if canImport(Glibc)
import Glibc
#endif

/// What an agent's heartbeat senders did over one report interval.
public struct AmphoraSample: Sendable {
    /// When the interval began, seconds after the stage start.
    public var startOffset: Double
    /// Its length in seconds.
    public var length: Double
    /// Heartbeats handed to the kernel.
    public var sent: UInt64 = 0
    /// Heartbeats the kernel refused.
    public var sendErrors: UInt64 = 0
    /// Heartbeats not sent: their datagram would be over 65,507 bytes.
    public var oversize: UInt64 = 0
    /// Bytes sent.
    public var bytes: UInt64 = 0
    /// How late each heartbeat left against its schedule, µs.
    public var lag = Histogram()
    /// The largest lag, µs.
    public var lagMaxUs: Int64 = 0
    /// The last send error, if any.
    public var lastError: String?
}

/// An agent's amphorae ready to send: one template per amphora (built once, at Prepare), one
/// connected socket and `HeartbeatBatch` per health manager.
///
/// `run` sends each amphora's heartbeat once per `heartbeatInterval`, the amphorae spread
/// evenly over the interval (heartbeat `j` of the agent is due at `j x interval / amphorae`),
/// round-robin over the health managers, and reports every `reportInterval`. It blocks: call it
/// on a dedicated thread. The class is used by one thread at a time (Prepare's, then each
/// stage's in turn), which is what makes it `@unchecked Sendable`.
public final class AmphoraSession: @unchecked Sendable {
    /// What is simulated.
    public let plan: AmphoraPlan
    private let encoder: HeartbeatEncoder
    private let batches: [HeartbeatBatch]
    private let templates: [HeartbeatTemplate]
    private let zeroStats: [ListenerStats]
    /// The sequence number the next stage's first round starts from (Octavia's amphorae count
    /// up from their start; the health manager only logs it).
    private var nextSequence: UInt64 = 0
    /// Amphorae whose heartbeat is over the datagram limit (counted at Prepare).
    public let oversizeAmphorae: Int

    /// The fewest nanoseconds between two wake-ups: heartbeats due meanwhile go out together.
    static let minimumWakeGap: Int64 = 1_000_000

    /// Builds the templates and connects the sockets; blocking (a template compresses its JSON).
    public init(plan: AmphoraPlan) throws {
        let encoder = try HeartbeatEncoder(key: plan.key, compression: plan.compression)
        var batches: [HeartbeatBatch] = []
        for endpoint in plan.endpoints {
            let socket = try HeartbeatSocket(host: endpoint.host, port: endpoint.port)
            batches.append(HeartbeatBatch(encoder: encoder, socket: socket))
        }
        var templates: [HeartbeatTemplate] = []
        templates.reserveCapacity(plan.count)
        for index in 0..<plan.count {
            templates.append(try encoder.template(for: plan.status(ofAmphora: index)))
        }
        let zeroStats = Array(repeating: ListenerStats(), count: plan.names.listeners)
        // Every amphora has the same shape, so the first one's size stands for all.
        let tooLarge = Self.isTooLarge(templates[0], encoder: encoder, stats: zeroStats)
        self.plan = plan
        self.encoder = encoder
        self.batches = batches
        self.templates = templates
        self.zeroStats = zeroStats
        oversizeAmphorae = tooLarge ? templates.count : 0
    }

    private static func isTooLarge(_ template: HeartbeatTemplate, encoder: HeartbeatEncoder, stats: [ListenerStats]) -> Bool {
        do {
            _ = try encoder.withDatagram(template, seq: 0, stats: stats) { $0.count }
            return false
        } catch HeartbeatError.datagramTooLarge {
            return true
        } catch {
            return false  // Any other problem shows when sending, counted there.
        }
    }

    /// One heartbeat's size in bytes, for messages (the first amphora's, sequence 0).
    public func sampleDatagramBytes() -> Int? {
        guard let template = templates.first else { return nil }
        return try? encoder.withDatagram(template, seq: 0, stats: zeroStats) { $0.count }
    }

    /// Sends from `startAt` for `duration` (nil: until `shouldStop`), calling `onInterval` with
    /// each report interval as it ends and once more, `final` true, at the end. Blocks.
    public func run(
        startAt: ContinuousClock.Instant, duration: Duration?, shouldStop: () -> Bool,
        onInterval: (AmphoraSample, _ final: Bool) -> Void
    ) {
        let clock = ContinuousClock()
        let n = templates.count
        let period = plan.heartbeatInterval.nanoseconds
        let reportEvery = plan.reportInterval.nanoseconds
        let end = duration.map(\.nanoseconds) ?? .max
        func due(_ j: Int) -> Int64 { Int64(j / n) * period + Int64(j % n) * period / Int64(n) }
        func elapsed() -> Int64 { (clock.now - startAt).nanoseconds }

        while elapsed() < 0, !shouldStop() { Self.sleep(min(-elapsed(), 50_000_000)) }
        var j = 0
        var endpoint = 0
        var sample = AmphoraSample(startOffset: 0, length: 0)
        var reported = (sent: 0, failed: 0, bytes: 0, oversize: UInt64(0))
        var nextReport = reportEvery
        var lastReportAt: Int64 = 0

        func takeSample(at now: Int64, final: Bool) {
            let sent = batches.reduce(0) { $0 + $1.sent }
            let failed = batches.reduce(0) { $0 + $1.failed }
            let bytes = batches.reduce(0) { $0 + $1.sentBytes }
            let oversize = UInt64(batches.reduce(0) { $0 + $1.oversize })
            sample.length = Double(now - lastReportAt) / 1e9
            sample.sent = UInt64(sent - reported.sent)
            sample.oversize = oversize - reported.oversize
            sample.sendErrors = UInt64(failed - reported.failed) - sample.oversize
            sample.bytes = UInt64(bytes - reported.bytes)
            if sample.sendErrors > 0 { sample.lastError = batches.compactMap(\.lastError).first.map { "\($0)" } }
            onInterval(sample, final)
            reported = (sent, failed, bytes, oversize)
            lastReportAt = now
            sample = AmphoraSample(startOffset: Double(now) / 1e9, length: 0)
        }

        while true {
            let now = elapsed()
            if shouldStop() || now >= end { break }
            while due(j) <= now, due(j) < end {
                let amphora = j % n
                // A failure (a datagram too large) is counted by the batch.
                try? batches[endpoint].append(templates[amphora], seq: nextSequence + UInt64(j / n), stats: zeroStats)
                let lag = max(0, (now - due(j)) / 1000)
                sample.lag.record(lag)
                sample.lagMaxUs = max(sample.lagMaxUs, lag)
                endpoint = endpoint + 1 == batches.count ? 0 : endpoint + 1
                j += 1
            }
            for batch in batches { batch.flush() }
            if now >= nextReport {
                takeSample(at: now, final: false)
                while nextReport <= now { nextReport += reportEvery }
            }
            // At most 100 ms asleep, so that a Stop is seen promptly whatever the interval.
            let wake = max(min(due(j), nextReport, end, now + 100_000_000), now + Self.minimumWakeGap)
            Self.sleep(wake - elapsed())
        }
        for batch in batches { batch.flush() }
        takeSample(at: min(elapsed(), end), final: true)
        nextSequence += UInt64((j + n - 1) / n)
    }

    private static func sleep(_ nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1, errno == EINTR { request = remaining }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : product &+ attoseconds / 1_000_000_000
    }
}
