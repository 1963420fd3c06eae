import CHttpGen
import Proto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The C HTTP load engine behind a Swift face: created from a `LoadPlan`, started once,
/// snapshotted while it runs, stopped, and freed when the object goes away.
///
/// `init` validates the plan, resolves the host and allocates every connection, but opens no
/// socket; `start()` starts the event-loop threads. Snapshots are cheap and may be taken from
/// any task; `stop()` joins the engine's threads on a dedicated thread so that no cooperative
/// thread ever blocks.
///
/// `@unchecked Sendable`: the handle itself is never reassigned; the engine's stop and
/// snapshot calls are thread-safe by contract (CHttpGen.h), except that snapshots must come
/// from one thread at a time, which `snapshotLock` enforces, and the snapshot buffers are only
/// touched under that lock.
public final class LoadEngine: @unchecked Sendable {
    /// The plan the engine was created from.
    public let plan: LoadPlan

    private let handle: OpaquePointer
    private let countsLength: Int
    private let latencyCounts: UnsafeMutablePointer<Int64>
    private let lagCounts: UnsafeMutablePointer<Int64>
    private let snapshotLock = Mutex<Void>(())

    /// Creates the engine: validates `plan`, resolves the host, prepares TLS and the request.
    /// Throws `EngineError` (`.unresolvableHost`, `.invalidConfiguration`, ...) with the engine's
    /// explanation.
    public init(plan: LoadPlan) throws(EngineError) {
        self.plan = plan
        self.handle = try LoadEngine.create(plan)
        self.countsLength = Int(hg_hist_counts_len())
        self.latencyCounts = .allocate(capacity: countsLength)
        self.lagCounts = .allocate(capacity: countsLength)
        latencyCounts.initialize(repeating: 0, count: countsLength)
        lagCounts.initialize(repeating: 0, count: countsLength)
    }

    /// Creates an engine on a dedicated thread: creation resolves the host name, and a slow
    /// resolver must not hold a cooperative thread.
    public static func create(_ plan: LoadPlan) async throws(EngineError) -> LoadEngine {
        let result: Result<LoadEngine, EngineError> = await DedicatedThread.run {
            do throws(EngineError) {
                return .success(try LoadEngine(plan: plan))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    deinit {
        // Stops first if the owner did not; that join blocks, so owners call stop() before.
        hg_engine_destroy(handle)
        latencyCounts.deallocate()
        lagCounts.deallocate()
    }

    /// Starts the threads: connections open at once and requests flow from `instant` (now
    /// when nil), so that many agents can connect first and load together. With a rate, the
    /// send schedule starts then. Callable once; a second call throws `.wrongState`.
    public func start(at instant: ContinuousClock.Instant? = nil) throws(EngineError) {
        var startNanoseconds: Int64 = 0
        if let instant {
            // The engine keeps CLOCK_MONOTONIC; carry the distance to `instant` over to it.
            let (seconds, attoseconds) = (instant - ContinuousClock.now).components
            startNanoseconds = max(1, hg_now_ns() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        var message = [CChar](repeating: 0, count: LoadEngine.messageCapacity)
        let status = hg_engine_start(handle, startNanoseconds, &message, message.count)
        try LoadEngine.check(status, "hg_engine_start", message)
    }

    /// Stops the load and waits until every engine thread has ended, without blocking the
    /// caller's thread. After it returns, `snapshot()` gives exact and final totals. Idempotent.
    public func stop() async {
        await DedicatedThread.run { self.stopBlocking() }
    }

    /// Stops the load, blocking the calling thread until the engine's threads have joined.
    /// For synchronous contexts only; async code uses `stop()`.
    public func stopBlocking() {
        hg_engine_stop(handle)
    }

    /// The cumulative totals since start, summed over the engine's threads.
    public func snapshot() -> EngineTotals {
        snapshotLock.withLock { _ in
            var raw = hg_snapshot()
            raw.latency_counts = latencyCounts
            raw.lag_counts = lagCounts
            hg_engine_snapshot(handle, &raw)
            return totals(from: &raw)
        }
    }

    /// Converts the C snapshot (and the counts buffers it filled) into Swift values.
    private func totals(from raw: inout hg_snapshot) -> EngineTotals {
        var totals = EngineTotals()
        totals.requests = raw.requests
        totals.bytesRead = raw.bytes_read
        totals.bytesWritten = raw.bytes_written
        totals.connects = raw.connects
        let errors = raw.errors
        totals.errors = ErrorCounts(
            connect: errors.0, read: errors.1, write: errors.2,
            timeout: errors.3, status: errors.4, parse: errors.5)
        withUnsafeBytes(of: &raw.status_codes) { bytes in
            for (code, count) in bytes.bindMemory(to: UInt64.self).enumerated() where count > 0 {
                totals.statusCodes[code] = count
            }
        }
        let reasons = withUnsafeBytes(of: &raw.error_reasons) { Array($0.bindMemory(to: Int32.self)) }
        let details = withUnsafeBytes(of: &raw.error_details) { bytes in
            (0..<reasons.count).map { kind in
                let slice = bytes[(kind * Int(HG_REASON_DETAIL_LEN))..<((kind + 1) * Int(HG_REASON_DETAIL_LEN))]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        totals.errorReasons = ErrorReasons(reasons: reasons, details: details, statusCodes: totals.statusCodes)
        totals.latency = histogram(latencyCounts)
        totals.lag = histogram(lagCounts)
        totals.latencyMin = raw.latency_min_us == Int64.max ? nil : raw.latency_min_us
        totals.latencyMax = raw.latency_max_us
        totals.lagMax = raw.lag_max_us
        totals.openConnections = Int(raw.open_connections)
        return totals
    }

    private func histogram(_ counts: UnsafeMutablePointer<Int64>) -> Histogram {
        do {
            return try Histogram(counts: Array(UnsafeBufferPointer(start: counts, count: countsLength)))
        } catch {
            // Both sides are built for 1 µs .. 1 h at 3 figures; a mismatch is a build defect.
            fatalError("CHttpGen's histogram layout does not match Proto.Histogram: \(error)")
        }
    }
}

extension LoadEngine {
    /// Room for the engine's one-line messages.
    static let messageCapacity = 512

    /// Maps an `hg_status` and its message buffer to a thrown `EngineError`: the one place where
    /// the engine's status codes become Swift errors.
    static func check(_ status: hg_status, _ operation: String, _ message: [CChar]) throws(EngineError) {
        guard status != HG_OK else { return }
        let kind: EngineError.Kind
        switch status {
        case HG_EINVAL: kind = .invalidConfiguration
        case HG_ERESOLVE: kind = .unresolvableHost
        case HG_ENOMEM: kind = .outOfMemory
        case HG_ETLS: kind = .tls
        case HG_ESYS: kind = .system
        case HG_ESTATE: kind = .wrongState
        default: kind = .unknown(Int32(bitPattern: status.rawValue))
        }
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.isEmpty { text = "no message from the engine (status \(status.rawValue))" }
        throw EngineError(kind: kind, operation: operation, message: text)
    }

    /// Calls `hg_engine_create` with C strings that live until it returns (the engine copies them).
    private static func create(_ plan: LoadPlan) throws(EngineError) -> OpaquePointer {
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { free($0) } }
        func copy(_ text: String) -> UnsafePointer<CChar>? {
            guard let pointer = strdup(text) else { return nil }
            owned.append(pointer)
            return UnsafePointer(pointer)
        }
        var config = hg_config()
        config.host = copy(plan.host)
        config.port = plan.port
        config.path = copy(plan.path)
        config.host_header = copy(plan.hostHeader)
        config.method = copy(plan.method)
        config.headers = plan.headers.isEmpty ? nil : copy(plan.headers.map { $0 + "\r\n" }.joined())
        config.body_size = plan.bodySize
        config.tls = plan.tls
        config.tls_verify = plan.verifyCertificates
        config.close_each = plan.closeEachRequest
        config.connections = UInt32(clamping: plan.connections)
        config.threads = UInt32(clamping: plan.threads)
        config.rate = plan.rate ?? 0
        let (seconds, attoseconds) = plan.timeout.components
        config.timeout_us = UInt64(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let (windowSeconds, windowAttoseconds) = plan.sendWindow.components
        config.send_window_us = UInt64(clamping: windowSeconds * 1_000_000 + windowAttoseconds / 1_000_000_000_000)
        let sources = plan.sources.map { copy($0) }
        guard owned.count == 4 + (plan.headers.isEmpty ? 0 : 1) + plan.sources.count else {
            throw EngineError(kind: .outOfMemory, operation: "strdup", message: "cannot copy the configuration strings")
        }
        var engine: OpaquePointer?
        var message = [CChar](repeating: 0, count: messageCapacity)
        let status = sources.withUnsafeBufferPointer { sourceArray in
            config.sources = sourceArray.isEmpty ? nil : sourceArray.baseAddress
            config.source_count = UInt32(sourceArray.count)
            return hg_engine_create(&config, &engine, &message, message.count)
        }
        try check(status, "hg_engine_create", message)
        guard let engine else {
            throw EngineError(kind: .unknown(0), operation: "hg_engine_create", message: "returned HG_OK without an engine")
        }
        return engine
    }
}
