import Foundation
import Proto

/// Stages a run on OpenStack: checks everything it can before creating anything (roles, image,
/// flavors, external network, quotas), then creates tenants, users, security groups, routers,
/// networks and VMs, recording each in the ledger before the call that creates it.
///
/// An actor: VMs are booted `vm_creation_concurrency` at a time, and what each step learns
/// (project ids, network ids, the sessions of created users) is shared by all of them.
public actor OpenStackStager {
    /// One side's cloud: its operator session and the name its resources carry in the ledger.
    public struct Side: Sendable {
        /// The operator's session (admin, or a member in reuse mode).
        public let session: OpenStackSession
        /// The cloud's name in the ledger.
        public let cloudName: String

        /// A side on `session`.
        public init(session: OpenStackSession, cloudName: String) {
            self.session = session
            self.cloudName = cloudName
        }
    }

    /// What was found and decided before anything was created.
    struct Checked: Sendable {
        /// Whether the side's operator holds the admin role.
        var isAdmin: [OpenStackPlan.Side: Bool] = [:]
        /// The image id per side.
        var imageID: [OpenStackPlan.Side: String] = [:]
        /// The flavor id per side, when an existing one fits.
        var flavorID: [OpenStackPlan.Side: String] = [:]
        /// The external network per side, when routers get a gateway.
        var externalNetworkID: [OpenStackPlan.Side: String] = [:]
    }

    /// What exists of a tenant once its infrastructure is created.
    struct TenantState: Sendable {
        var projectID: String
        var projectLedgerID: ResourceID?
        var session: OpenStackSession
        var securityGroupName: String
        var networkIDs: [String: (id: String, ledgerID: ResourceID)] = [:]
    }

    let runID: String
    let plan: OpenStackPlan
    let configuration: Configuration
    let sides: [OpenStackPlan.Side: Side]
    let reuse: TenantReuse?
    let topology: RackTopology?
    let ledger: Ledger
    let emit: @Sendable (String) -> Void
    let created = ContinuousClock.now
    /// How long a VM may take to become ACTIVE.
    let bootTimeout: Duration
    /// How often a booting VM is polled.
    let pollInterval: Duration
    var checked = Checked()
    var tenantStates: [Int: TenantState] = [:]
    var flavorLedger: [OpenStackPlan.Side: ResourceID] = [:]
    /// What each VM's boot found, for `logTail`: id, host, fault.
    var vmNotes: [String: String] = [:]
    var booted = 0
    /// Where bars are drawn when progress goes to a terminal (nil or not a terminal: lines).
    let status: StatusLine?
    /// The bar shown now, when it began, and the task that redraws its clock.
    var bar: (progress: ProgressBar, started: ContinuousClock.Instant)?
    var barTicker: Task<Void, Never>?

    /// A stager of `plan` on `sides` (the same cloud twice unless `--testing-rc` gave another).
    public init(
        plan: OpenStackPlan, configuration: Configuration, server: Side, client: Side, reuse: TenantReuse?,
        topology: RackTopology? = nil, ledger: Ledger, bootTimeout: Duration = .seconds(600), pollInterval: Duration = .seconds(1),
        status: StatusLine? = nil, progress: @escaping @Sendable (String) -> Void
    ) {
        self.runID = plan.runID
        self.plan = plan
        self.configuration = configuration
        self.sides = [.server: server, .client: client]
        self.reuse = reuse
        self.topology = topology
        self.ledger = ledger
        self.bootTimeout = bootTimeout
        self.pollInterval = pollInterval
        self.status = status
        self.emit = progress
    }

    /// Checks, creates the infrastructure, then boots every VM of `agents` at most
    /// `vm_creation_concurrency` at a time, each with its user data.
    public func stage(_ agents: [AgentUserData]) async throws {
        let started = ContinuousClock.now
        try await preflight()
        try await createTenants()
        try await bootAll(agents)
        let elapsed = ContinuousClock.now - started
        progress("staged \(plan.tenants.count) tenant(s) and \(agents.count) VM(s) in \(Self.seconds(elapsed))")
    }

    /// Boots the VMs with bounded concurrency; the first failure cancels the rest.
    func bootAll(_ agents: [AgentUserData]) async throws {
        let limit = max(1, configuration.openstack.vmCreationConcurrency)
        progress("booting \(agents.count) VM(s), \(limit) at a time")
        beginBar("booting VMs", total: agents.count)
        defer { endBar() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = agents[...]
            for _ in 0..<min(limit, pending.count) {
                let next = pending.removeFirst()
                group.addTask { try await self.bootCounted(next) }
            }
            while try await group.next() != nil {
                if let next = pending.popFirst() {
                    group.addTask { try await self.bootCounted(next) }
                }
            }
        }
    }

    /// Boots one VM, counting it as failed when it fails for a reason of its own (not because
    /// another's failure cancelled it).
    private func bootCounted(_ userData: AgentUserData) async throws {
        do {
            try await boot(userData)
        } catch {
            if !Task.isCancelled { stepBar(failed: true) }
            throw error
        }
    }

    /// What the stager knows of an agent's VM (id, host, state, fault).
    public func note(agentID: String) -> String? {
        vmNotes[agentID]
    }

    /// Records a resource about to be created (ledger first: cleanup finds it after a crash).
    func intend(_ kind: ResourceKind, _ name: String, side: OpenStackPlan.Side, parent: ResourceID? = nil, address: String? = nil) throws -> ResourceID {
        try ledger.intend(run: runID, kind: kind, name: name, cloud: sides[side]!.cloudName, parent: parent, address: address)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.inSeconds)
    }
}
