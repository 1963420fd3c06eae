/// Starts the agents of a run, whatever "start" means for the cloud: a process on this machine
/// (`LocalCloud`), a VM booted with cloud-init user data (OpenStack), or, in tests, an agent
/// played inside the test process.
///
/// The coordinator admits an agent's public key *before* it calls `launch`: libzmq 4.3 never
/// redials after a refused CURVE handshake, so an agent started first could be shut out for good.
public protocol AgentLauncher: Sendable {
    /// Starts one agent from its user data. Must record whatever it creates in the ledger
    /// before creating it, so that cleanup finds it after a crash.
    func launch(_ userData: AgentUserData) async throws

    /// The last lines the agent wrote to its logs, to explain why it never joined or failed;
    /// nil when there is nothing to show.
    func logTail(agentID: String) -> String?
}
