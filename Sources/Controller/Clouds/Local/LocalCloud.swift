import Foundation

/// The `local` cloud's agent launcher: each VM is a `kb-agent run --userdata FILE` process on
/// this machine, bound to its own loopback address.
///
/// The user data goes to `<state-dir>/runs/<run>/<agent>.json` (0600, in a 0700 folder), the
/// agent's work folder is `<state-dir>/runs/<run>/<agent>/`, and the process is spawned through
/// `ProcessResource`, which writes the ledger row before the process exists and its pid and
/// start time right after: cleanup finds it whatever happens to the controller.
public struct LocalCloud: AgentLauncher {
    /// The ledger the processes are recorded in.
    public let processes: ProcessResource
    /// The kb-agent executable.
    public let agentBinary: String
    /// The agents this launcher spawned and has not seen exit.
    let spawned = SpawnedAgents()

    /// A launcher over `ledger` starting `agentBinary`.
    public init(ledger: Ledger, agentBinary: String) {
        self.processes = ProcessResource(ledger: ledger)
        self.agentBinary = agentBinary
    }

    /// For messages.
    public var cloudDescription: String { "the local cloud" }

    /// The folder of the run's files.
    func runDirectory(_ runID: String) throws -> URL {
        try processes.ledger.store.runDirectory(for: runID)
    }

    /// Where the agent's user data is written.
    public func userDataFile(runID: String, agentID: String) throws -> URL {
        try runDirectory(runID).appendingPathComponent("\(agentID).json")
    }

    /// The work folder an agent of this run gets.
    public func workDirectory(runID: String, agentID: String) throws -> URL {
        try runDirectory(runID).appendingPathComponent(agentID)
    }

    /// Writes the user data and spawns the agent (ledger first).
    public func launch(_ userData: AgentUserData) async throws {
        let work = URL(fileURLWithPath: userData.workDirectory)
        do {
            try FileManager.default.createDirectory(
                at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LocalCloudError(
                operation: "create the agent's folder \(work.path)",
                reason: FileProblem(.createDirectory, path: work.path, error: error).reason,
                remedy: "check that the state directory is writable (--state-dir)")
        }
        let file = try userDataFile(runID: userData.runID, agentID: userData.agentID)
        try userData.write(to: file)
        let record = try processes.spawn(
            run: userData.runID, name: userData.agentID, executable: agentBinary,
            arguments: ["run", "--userdata", file.path], address: userData.address, directory: work.path)
        if let identity = record.processIdentity { spawned.add(userData.agentID, identity) }
    }

    /// Agents that exited since the last call, with how they ended ("exit status 1",
    /// "killed by signal 9"). The controller is their parent, so it reaps them and knows at
    /// once, instead of waiting for their silence.
    public func exitedAgents() async -> [(agentID: String, how: String)] {
        spawned.reapExited()
    }

    /// Stops the agent's process and everything it started (its nginx), and records it deleted.
    public func stopLeftovers(of agentID: String) async {
        guard let runID = Self.runID(ofAgent: agentID),
            let record = try? processes.ledger.liveResources(run: runID).first(where: { $0.kind == .process && $0.name == agentID })
        else { return }
        _ = try? await processes.terminate(record, grace: .seconds(2))
    }

    /// The last lines of the agent's stderr (then stdout) log.
    public func logTail(agentID: String) -> String? {
        guard let runID = Self.runID(ofAgent: agentID),
            let logs = try? processes.logFiles(run: runID, name: agentID)
        else { return nil }
        for file in [logs.stderr, logs.stdout] {
            guard let text = try? String(contentsOf: file, encoding: .utf8), !text.isEmpty else { continue }
            let lines = text.split(separator: "\n").suffix(5)
            return lines.joined(separator: "\n")
        }
        return nil
    }

    /// `kb-YYYYMMDD-HHMM-xxxx` from `<run>-srv-<n>`.
    static func runID(ofAgent agentID: String) -> String? {
        let parts = agentID.split(separator: "-")
        guard parts.count >= 6 else { return nil }
        let run = parts.prefix(4).joined(separator: "-")
        return RunID.isWellFormed(run) ? run : nil
    }
}
