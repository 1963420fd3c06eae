/// Starts the agents of a run, whatever "start" means for the cloud: a process on this machine
/// (`LocalCloud`), a VM booted with cloud-init user data (OpenStack), or, in tests, an agent
/// played inside the test process.
///
/// The coordinator admits an agent's public key *before* it launches the agent: libzmq 4.3
/// never redials after a refused CURVE handshake, so an agent started first could be shut out
/// for good.
public protocol AgentLauncher: Sendable {
    /// The cloud's name in messages: `the local cloud`, `OpenStack`.
    var cloudDescription: String { get }

    /// Starts one agent from its user data. Must record whatever it creates in the ledger
    /// before creating it, so that cleanup finds it after a crash.
    func launch(_ userData: AgentUserData) async throws

    /// Starts every agent of the run (servers first), reporting each one started. A cloud
    /// that must build infrastructure first, or can start agents in parallel, does it here;
    /// the default launches them one by one.
    func launchAll(_ agents: [AgentUserData], started: @Sendable (Int) -> Void) async throws

    /// The folder the agent keeps its files in, as the agent sees it.
    func workDirectory(runID: String, agentID: String, store: StateStore) throws -> String

    /// The last lines the agent wrote to its logs, or what the cloud knows of its VM, to
    /// explain why it never joined or failed; nil when there is nothing to show.
    func logTail(agentID: String) async -> String?

    /// Agents known to have ended since the last call, with how ("exit status 1", "killed by
    /// signal 9"). Only a cloud that can see its agents' processes knows; the default knows
    /// nothing, and silence alone tells the run.
    func exitedAgents() async -> [(agentID: String, how: String)]

    /// Stops what is left of an agent the run gave up on (lost, failed, exited): its process
    /// and whatever it started. The default does nothing (cleanup deletes it at the end).
    func stopLeftovers(of agentID: String) async
}

extension AgentLauncher {
    /// `<state-dir>/runs/<run>/<agent>`: the agent runs on this machine.
    public func workDirectory(runID: String, agentID: String, store: StateStore) throws -> String {
        try store.runDirectory(for: runID).appendingPathComponent(agentID).path
    }


    /// Nothing is known before the agent is silent.
    public func exitedAgents() async -> [(agentID: String, how: String)] { [] }

    /// Cleanup deletes it at the end.
    public func stopLeftovers(of agentID: String) async {}

    /// Launches the agents one after the other.
    public func launchAll(_ agents: [AgentUserData], started: @Sendable (Int) -> Void) async throws {
        for (number, agent) in agents.enumerated() {
            try Task.checkCancellation()
            try await launch(agent)
            started(number + 1)
        }
    }
}
