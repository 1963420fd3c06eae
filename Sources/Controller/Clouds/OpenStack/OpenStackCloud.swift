import Foundation

/// The `openstack` cloud's agent launcher: each agent is a VM booted with its user data, after
/// the run's tenants, users, networks and routers exist (`OpenStackStager`).
public struct OpenStackCloud: AgentLauncher {
    /// Where an agent in a VM keeps its files (the image's kb-agent unit owns it).
    public static let agentWorkRoot = "/var/lib/kb-agent"

    /// The stager that creates everything.
    public let stager: OpenStackStager

    /// A launcher over `stager`.
    public init(stager: OpenStackStager) {
        self.stager = stager
    }

    /// For messages.
    public var cloudDescription: String { "OpenStack" }

    /// Stages the infrastructure, then boots all the VMs, `vm_creation_concurrency` at a time.
    public func launchAll(_ agents: [AgentUserData], started: @Sendable (Int) -> Void) async throws {
        try await stager.stage(agents)
        started(agents.count)
    }

    /// Boots one VM; the infrastructure must exist (`launchAll` does both).
    public func launch(_ userData: AgentUserData) async throws {
        try await stager.boot(userData)
    }

    /// `/var/lib/kb-agent/<agent>`: inside the VM.
    public func workDirectory(runID: String, agentID: String, store: StateStore) throws -> String {
        "\(Self.agentWorkRoot)/\(agentID)"
    }

    /// What the stager knows of the agent's VM: id, state, host, fault, addresses.
    public func logTail(agentID: String) async -> String? {
        await stager.note(agentID: agentID)
    }
}
