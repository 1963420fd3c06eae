import Foundation
import Proto

/// Drives one run from staging to cleanup over a `ControllerLink` (docs/run-protocol.md):
/// start and admit every agent, wait for their Hellos, prepare servers then clients, run the
/// stages and merge what clients report, then abort the agents, write the results and clean up.
///
/// An actor with an explicit `State`; every phase re-checks the state (and the interrupt
/// flag) after each `await`, because frames, ticks and signals interleave with it.
public actor RunCoordinator {
    /// Where the run is.
    public enum State: Sendable, Equatable {
        /// Created; `run()` not called yet.
        case idle
        /// Admitting keys and starting agents.
        case staging
        /// Waiting for every agent's Hello.
        case joining
        /// Preparing servers, then clients.
        case preparing
        /// Loading: this stage runs.
        case running(stage: UInt32)
        /// Aborting the agents and writing results.
        case finishing
        /// Deleting the run's resources.
        case cleaning
        /// Over and cleaned.
        case done
        /// Over after a failure (also cleaned unless cleanup is off).
        case failed(String)
    }

    /// Where results go and whether to clean up.
    public struct Outputs: Sendable {
        /// The JSON result file, if any.
        public var jsonFile: String?
        /// The `.hlog` file, if any.
        public var hlogFile: String?
        /// A copy of the HTML report, if any (the run folder always gets `report.html`).
        public var htmlFile: String?
        /// The run's label.
        public var label: String?
        /// Delete the run's resources at the end.
        public var cleanup: Bool

        /// Creates outputs.
        public init(jsonFile: String? = nil, hlogFile: String? = nil, htmlFile: String? = nil, label: String? = nil, cleanup: Bool = true) {
            self.jsonFile = jsonFile
            self.hlogFile = hlogFile
            self.htmlFile = htmlFile
            self.label = label
            self.cleanup = cleanup
        }
    }

    /// How a run ended.
    public struct Outcome: Sendable {
        /// `done`, `stopped`, `interrupted` or `failed`.
        public let status: String
        /// The result document.
        public let document: ResultDocument
        /// What cleanup did; nil when cleanup was off or failed to run.
        public let cleanup: CleanupReport?
        /// Files written.
        public let files: [String]
    }

    let runID: String
    let configuration: Configuration
    let settings: RunSettings
    let topology: RunTopology
    /// Each client's aggregation group (its server's tenant), looked up once per report.
    let clientGroups: [String: String]
    let link: ControllerLink
    let serverKeys: CurveKeyPair
    let launcher: any AgentLauncher
    let ledger: Ledger
    let cleaner: Cleaner?
    let console: ConsoleReport
    let outputs: Outputs
    let clock = ContinuousClock()
    let startedAt = Date()

    /// Where the run is.
    public internal(set) var state: State = .idle
    var channel: AgentChannel
    var keys: [String: CurveKeyPair]
    var plan: StagePlan
    var tracker: StageTracker?
    var stages: [StageResult] = []
    var intervals: [IntervalSummary] = []
    var hlog: IntervalLog
    var agentTotals: [String: (requests: UInt64, errors: UInt64)] = [:]
    /// Each server agent's latest count of requests nginx served to clients, and when it came.
    var serverRequests: [String: (requests: UInt64, at: ContinuousClock.Instant)] = [:]
    /// Frames dropped: undecodable, of another run, or from a key that does not match the sender.
    public var droppedFrames: Int { channel.droppedFrames }
    var interruptReason: String?
    /// Frames taken from the link so far; with the link's count of frames handed over, how far
    /// behind the coordinator is.
    var framesTaken = 0
    /// When the console last said the coordinator was behind.
    var lastBehindNote: ContinuousClock.Instant?
    var tasks: [Task<Void, Never>] = []
    /// The launch in progress while staging; an interrupt cancels it.
    var staging: Task<Void, any Error>?
    /// Agents whose process ended before they joined, and how.
    var earlyExits: [String: String] = [:]
    /// Agents the run lost or that failed, with what happened, in order.
    var troubles: [(agentID: String, what: String)] = []
    /// Asked after each test what comes next; nil: one test (not interactive).
    let gate: (any RunTestGate)?
    /// The test of an interactive run, from 1.
    var testNumber = 1
    /// The current test's label, when given.
    var testLabel: String?
    /// When the current test began.
    var testStartedAt = Date()
    /// Each server's nginx count when the current test began.
    var serverBaseline: [String: UInt64] = [:]
    /// The outcome, once `run()` returned.
    public private(set) var outcome: Outcome?

    /// A coordinator for the staged `topology`; generates one key pair per agent.
    ///
    /// - Parameters:
    ///   - link: the controller's link, bound with `serverKeys`; the coordinator admits keys
    ///     and sends on it but does not close it (its service does).
    ///   - cleaner: deletes the run's resources at the end; nil when nothing needs deleting.
    public init(
        runID: String, configuration: Configuration, settings: RunSettings, topology: RunTopology,
        link: ControllerLink, serverKeys: CurveKeyPair, launcher: any AgentLauncher, ledger: Ledger,
        cleaner: Cleaner?, console: ConsoleReport, outputs: Outputs, gate: (any RunTestGate)? = nil
    ) throws {
        self.gate = gate
        self.runID = runID
        self.configuration = configuration
        self.settings = settings
        self.topology = topology
        clientGroups = Dictionary(topology.clients.map { ($0.id, "tenant-\($0.tenant)") }, uniquingKeysWith: { first, _ in first })
        self.link = link
        self.serverKeys = serverKeys
        self.launcher = launcher
        self.ledger = ledger
        self.cleaner = cleaner
        self.console = console
        self.outputs = outputs
        var keys: [String: CurveKeyPair] = [:]
        for agent in topology.agents { keys[agent.id] = try CurveKeyPair.generate() }
        self.keys = keys
        channel = AgentChannel(
            runID: runID, link: link,
            roster: AgentRoster(
                agents: topology.agents.map { (id: $0.id, role: $0.role, publicKey: keys[$0.id]!.publicKey) },
                silenceLimit: settings.silenceLimit),
            policy: settings.delivery, note: console.progress)
        plan = StagePlan(
            progression: configuration.client.progression, timeout: configuration.client.httpTool.timeout,
            totalClients: topology.clients.count)
        hlog = IntervalLog(runID: runID)
    }

    /// Asks the run to end early (SIGINT, SIGTERM): a running stage is stopped and its data
    /// kept, then the usual end (abort, results, cleanup) follows.
    public func interrupt(reason: String = "interrupted") {
        guard interruptReason == nil else { return }
        interruptReason = reason
        console.progress("\(reason): stopping the run")
        // Staging stops at once: no more agents are started, and cleanup deletes those that were.
        staging?.cancel()
    }

    /// Runs the whole protocol and returns how it ended. Never throws: a failure at any step
    /// still aborts the agents, writes what was measured and cleans up.
    @discardableResult
    public func run() async -> Outcome {
        guard state == .idle else { fatalError("RunCoordinator.run() called twice (state \(state))") }
        startBackgroundTasks()
        var failure: String?
        do {
            try await stageAgents()
            try await awaitJoins()
            try await prepareAgents()
            try await runTests()
        } catch let error as RunInterrupted {
            _ = error
        } catch {
            failure = "\(error)"
            console.progress("run failed: \(error)")
        }
        let outcome = await finish(failure: failure)
        for task in tasks { task.cancel() }
        self.outcome = outcome
        return outcome
    }

    /// Polls `condition` every 20 ms until it holds (true), `deadline` passes or the run is
    /// interrupted (false). Actor state may change at every poll; the condition re-reads it.
    func wait(until deadline: ContinuousClock.Instant, _ condition: () -> Bool) async -> Bool {
        while true {
            if condition() { return true }
            if interruptReason != nil || clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Fails a transition the code never makes.
    func expect(_ expected: State, _ operation: String) {
        guard state == expected else {
            fatalError("RunCoordinator.\(operation): expected state \(expected), found \(state)")
        }
    }
}

/// The run was interrupted (SIGINT, SIGTERM) before its stages ended; not a failure.
struct RunInterrupted: Error {}

/// A step of the run failed: what, which agents, and what to do.
public struct RunError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the agents and their log tails.
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
