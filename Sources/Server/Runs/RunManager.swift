import ArgumentParser
import Controller
import Foundation
import Logging
import Synchronization

/// The runs this server started: it assembles each through `RunAssembly` (the code
/// `kloudbuster run` uses), runs it in a task of its own, keeps its event log, and stops or
/// aborts it on request. Finished runs stay readable from the state store.
actor RunManager {
    /// A run this server started.
    struct LiveRun {
        let coordinator: RunCoordinator
        let events: RunEventLog
        let task: Task<Void, Never>
        /// The gate of an interactive run; nil for a run of one test.
        let gate: APITestGate?
    }

    let store: StateStore
    let logger: Logger
    /// What /metrics shows.
    let metrics: ServerMetrics
    /// The kb-agent executable runs use (tests point it at the build's).
    let agentBinary: String?
    private var runs: [String: LiveRun] = [:]

    init(store: StateStore, agentBinary: String?, logger: Logger, metrics: ServerMetrics = ServerMetrics()) {
        self.store = store
        self.metrics = metrics
        self.agentBinary = agentBinary
        self.logger = logger
    }

    /// Assembles and starts `request`; returns the run id once the run is recorded. A problem
    /// found before anything exists is a `ValidationError` (the caller's 400).
    func start(_ request: RunRequest, interactive: Bool = false) async throws -> String {
        var request = request
        if request.agentBinary == nil { request.agentBinary = agentBinary }
        let gate = interactive ? APITestGate() : nil
        request.gate = gate
        let events = RunEventLog()
        let logger = logger
        let metrics = metrics
        // Known once the run is recorded, before any agent exists (its events come later).
        let runID = Mutex<String?>(nil)
        let console = ConsoleReport(
            emit: { line in logger.debug("\(line)") },
            observe: { event in
                events.append(event)
                if let id = runID.withLock({ $0 }) { metrics.record(event, run: id) }
            })
        let assembled = try await RunAssembly(request: request, store: store, console: console).assemble()
        runID.withLock { $0 = assembled.runID }
        metrics.runStarted()
        let task = Task {
            defer { metrics.runEnded() }
            do {
                try await assembled.run()
            } catch {
                console.progress("run failed: \(error)")
            }
            // A run that failed before its summary has no `finished` event: end the stream anyway.
            let outcome = await assembled.coordinator.outcome
            if !events.isFinished {
                events.append(.finished(status: outcome?.status ?? "failed", verdict: outcome?.document.verdict ?? .reasons(["the run failed"])))
            }
        }
        runs[assembled.runID] = LiveRun(coordinator: assembled.coordinator, events: events, task: task, gate: gate)
        return assembled.runID
    }

    /// The live run `id`, if this server started it.
    func live(_ id: String) -> LiveRun? { runs[id] }

    /// Stops run `id` gracefully: the running stage ends and keeps its data, then results and
    /// cleanup as always. False when this server is not running it.
    func stop(_ id: String, reason: String) async -> Bool {
        guard let run = runs[id], !run.events.isFinished else { return false }
        await run.coordinator.interrupt(reason: reason)
        return true
    }

    /// Answers interactive run `id`'s gate; nil when this server runs no such interactive run,
    /// false when an answer is already queued for the test that is running.
    func answer(_ id: String, _ step: InteractiveStep) -> Bool? {
        guard let run = runs[id], let gate = run.gate, !run.events.isFinished else { return nil }
        return gate.answer(step)
    }

    /// Waits for every run to end (the server's graceful shutdown stops them first).
    func stopAll() async {
        for (id, run) in runs where !run.events.isFinished {
            await run.coordinator.interrupt(reason: "the server is shutting down")
            logger.info("stopping run \(id): the server is shutting down")
        }
        for run in runs.values { await run.task.value }
    }

    /// How many runs are live.
    var liveCount: Int { runs.values.filter { !$0.events.isFinished }.count }
}
