/// Deletes a run's resources from the ledger alone: children before parents, each with
/// bounded retries, recording every step, so it works the same at the end of a run, on
/// SIGINT, and in `kloudbuster cleanup` after a crash.
///
/// An actor because the end of a run and a signal may both ask to clean the same run: the
/// second request joins the cleanup in flight instead of deleting everything twice.
public actor Cleaner {
    /// Where each run's cleanup stands in this process.
    private enum RunPhase {
        /// A cleanup is in flight; later requests await the same task.
        case cleaning(Task<CleanupReport, any Error>)
        /// The last cleanup ended with this report.
        case cleaned(CleanupReport)
    }

    /// The ledger read and written.
    public let ledger: Ledger
    private let deleters: [ResourceKind: any ResourceDeleter]
    private let attempts: Int
    private let retryDelay: Duration
    private let concurrency: Int
    private var phases: [String: RunPhase] = [:]

    /// A cleaner over `ledger` with one deleter per kind.
    ///
    /// - Parameters:
    ///   - attempts: how many times each resource is tried before it counts as failed.
    ///   - retryDelay: the wait after the first failed attempt; it grows linearly.
    ///   - concurrency: how many resources of one kind are deleted at a time.
    public init(ledger: Ledger, deleters: [any ResourceDeleter], attempts: Int = 3, retryDelay: Duration = .milliseconds(500),
                concurrency: Int = 8) {
        precondition(attempts >= 1, "Cleaner needs at least one attempt per resource")
        self.ledger = ledger
        self.deleters = Dictionary(deleters.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.attempts = attempts
        self.retryDelay = retryDelay
        self.concurrency = max(1, concurrency)
    }

    /// Deletes the run's live resources (or, with `dryRun`, lists them and changes nothing),
    /// then sets the run's status: `failed` when something could not be deleted; otherwise
    /// `done` for a run its controller ended, `interrupted` for one whose controller died, and
    /// a run already `failed` or `interrupted` keeps that status.
    ///
    /// - Throws: `LedgerError` for an unknown run, or a state store error.
    public func clean(run runID: String, dryRun: Bool = false) async throws -> CleanupReport {
        guard let run = try ledger.run(id: runID) else { throw Ledger.unknownRun(runID) }
        if dryRun {
            var report = CleanupReport(runID: runID, dryRun: true)
            report.wouldDelete = try ledger.liveResources(run: runID).map { CleanupReport.Entry(resource: $0) }
            return report
        }
        if case .cleaning(let task) = phases[runID] {
            return try await task.value
        }
        let task = Task { try await self.deleteLive(of: run) }
        phases[runID] = .cleaning(task)
        do {
            let report = try await task.value
            phases[runID] = .cleaned(report)
            return report
        } catch {
            phases[runID] = nil
            throw error
        }
    }

    /// Cleans every run that has live resources, oldest first.
    public func cleanAll(dryRun: Bool = false) async throws -> [CleanupReport] {
        var reports: [CleanupReport] = []
        for runID in try ledger.liveResourceCounts().keys.sorted() {
            reports.append(try await clean(run: runID, dryRun: dryRun))
        }
        return reports
    }

    /// The report of the last cleanup of `runID` that finished in this process, if any.
    public func lastReport(run runID: String) -> CleanupReport? {
        if case .cleaned(let report) = phases[runID] { return report }
        return nil
    }

    private func deleteLive(of run: RunRecord) async throws -> CleanupReport {
        var report = CleanupReport(runID: run.id, dryRun: false)
        let live = try ledger.liveResources(run: run.id)
        let startStatus = run.effectiveStatus
        if !live.isEmpty { try ledger.setRunStatus(run.id, .cleaning) }
        var failedIDs = Set<ResourceID>()
        // Consecutive rows of one kind are siblings (a parent is always older than its
        // children): they are deleted `concurrency` at a time, which is what makes deleting
        // hundreds of VMs, each waited for until it is gone, take minutes rather than hours.
        var index = live.startIndex
        while index < live.endIndex {
            let kind = live[index].kind
            let batchEnd = live[index...].firstIndex { $0.kind != kind } ?? live.endIndex
            var attempts: [(ResourceRecord, any ResourceDeleter)] = []
            for resource in live[index..<batchEnd] {
                if let blocker = live.first(where: { $0.parentID == resource.id && failedIDs.contains($0.id) }) {
                    let reason = "not attempted: its child \(blocker.kind) \(blocker.name) (\(blocker.id)) is still there"
                    try fail(resource, reason, &report, &failedIDs)
                    continue
                }
                guard let deleter = deleters[resource.kind] else {
                    let reason = "no deleter for kind \(resource.kind) (cloud \(resource.cloud)) in this cleanup; "
                        + "run cleanup with the driver of that cloud configured"
                    try fail(resource, reason, &report, &failedIDs)
                    continue
                }
                try ledger.markDeleting(resource.id)
                attempts.append((resource, deleter))
            }
            for (resource, outcome) in await deleteConcurrently(attempts) {
                switch outcome {
                case .success(.deleted):
                    try ledger.markDeleted(resource.id)
                    report.deleted.append(.init(resource: resource))
                case .success(let gone):
                    try ledger.markDeleted(resource.id, note: gone.note)
                    report.alreadyGone.append(.init(resource: resource, detail: gone.note))
                case .failure(let reason):
                    try fail(resource, reason.description, &report, &failedIDs)
                }
            }
            index = batchEnd
        }
        try ledger.setRunStatus(run.id, Self.finalStatus(after: startStatus, failed: !report.failed.isEmpty))
        return report
    }

    /// Deletes `attempts` at most `concurrency` at a time; results in the order given.
    private func deleteConcurrently(_ attempts: [(ResourceRecord, any ResourceDeleter)]) async
        -> [(ResourceRecord, Result<DeletionOutcome, CleanupFailure>)]
    {
        var results = [Result<DeletionOutcome, CleanupFailure>?](repeating: nil, count: attempts.count)
        await withTaskGroup(of: (Int, Result<DeletionOutcome, CleanupFailure>).self) { group in
            var next = 0
            func startNext() {
                guard next < attempts.count else { return }
                let (resource, deleter) = attempts[next]
                let position = next
                group.addTask { (position, await self.attemptDelete(resource, with: deleter)) }
                next += 1
            }
            for _ in 0..<min(concurrency, attempts.count) { startNext() }
            while let (position, result) = await group.next() {
                results[position] = result
                startNext()
            }
        }
        return zip(attempts, results).map { ($0.0, $1!) }
    }

    /// Tries the deleter up to `attempts` times; a cancelled cleanup stops retrying.
    private func attemptDelete(_ resource: ResourceRecord, with deleter: any ResourceDeleter) async -> Result<DeletionOutcome, CleanupFailure> {
        var lastError = ""
        for attempt in 1...attempts {
            do {
                return .success(try await deleter.delete(resource))
            } catch {
                lastError = "\(error)"
            }
            guard attempt < attempts, !Task.isCancelled else { break }
            try? await Task.sleep(for: retryDelay * attempt)
        }
        let tries = Task.isCancelled ? "cleanup was cancelled" : "after \(attempts) attempt(s)"
        return .failure(CleanupFailure(description: "\(lastError) (\(tries))"))
    }

    private func fail(_ resource: ResourceRecord, _ reason: String, _ report: inout CleanupReport, _ failedIDs: inout Set<ResourceID>) throws {
        try ledger.markDeleteFailed(resource.id, error: reason)
        report.failed.append(.init(resource: resource, detail: reason))
        failedIDs.insert(resource.id)
    }

    static func finalStatus(after start: RunStatus, failed: Bool) -> RunStatus {
        if failed { return .failed }
        switch start {
        case .staging, .running, .cleaning: return .done  // its live controller is cleaning up
        case .done: return .done
        case .failed: return .failed
        case .interrupted: return .interrupted
        }
    }

    private struct CleanupFailure: Error, CustomStringConvertible {
        let description: String
    }
}
