import Proto

/// Where each VM of a run sits: KloudBuster's tenants × routers × networks × VMs laid onto an
/// `AddressLayout`, one address per VM (loopback addresses on the local cloud, planned fixed
/// IPs on OpenStack).
///
/// Servers occupy tenants 0..<T of the layout, as `server.*` describes them. Clients mirror the
/// same topology in tenants T..<2T (KloudBuster stages its clients in a separate "testing"
/// cloud with the same shape), so every client sends from its own address and the two sides
/// never share one. Client n is paired with server n, 1:1. The plan is a pure function of the
/// configuration, the run id and the layout, so it is tested without spawning anything.
public struct RunTopology: Sendable, Equatable {
    /// One planned VM: an agent process of the run.
    public struct Agent: Sendable, Equatable, Hashable {
        /// `<run>-srv-<n>` or `<run>-cli-<n>`: carries the run id, so cleanup finds it by name.
        public let id: String
        /// What the agent does.
        public let role: AgentRole
        /// n in the id: the agent's index among its role, from 0.
        public let index: Int
        /// Its loopback address, e.g. `127.1.0.2`.
        public let address: String
        /// The tenant of the server side it belongs to (clients carry their server's tenant).
        public let tenant: Int
        /// The router within the tenant.
        public let router: Int
        /// The network behind the router.
        public let network: Int
        /// The VM's index on its network.
        public let vm: Int
        /// The id of the agent on the other side of the pair.
        public let peerID: String
    }

    /// The run the agents belong to.
    public let runID: String
    /// The server agents, by index.
    public let servers: [Agent]
    /// The client agents, by index; `clients[n]` loads `servers[n]`.
    public let clients: [Agent]

    /// Every agent, servers first (the order in which they are started and prepared).
    public var agents: [Agent] { servers + clients }

    /// Plans the topology of `server` for `runID` on `addresses`.
    ///
    /// - Throws: `LoopbackAddressError` naming the configuration key to lower when the
    ///   topology does not fit on loopback.
    public init(server: Configuration.Server, runID: String, addresses: some AddressLayout) throws {
        // The same check `config validate` makes, so both refuse the same files.
        if let problem = TopologyCapacity.problems(server: server, addresses: addresses).first { throw problem.underlying }
        let tenants = server.numberOfTenants
        var servers: [Agent] = []
        var clients: [Agent] = []
        for tenant in 0..<tenants {
            for router in 0..<server.routersPerTenant {
                for network in 0..<server.networksPerRouter {
                    // Networks are numbered across the tenant's routers: the third octet.
                    let octet = router * server.networksPerRouter + network
                    for vm in 0..<server.vmsPerNetwork {
                        let n = servers.count
                        let serverID = Self.agentID(runID: runID, role: .httpServer, index: n)
                        let clientID = Self.agentID(runID: runID, role: .httpClient, index: n)
                        servers.append(Agent(
                            id: serverID, role: .httpServer, index: n,
                            address: try addresses.address(tenant: tenant, network: octet, vm: vm),
                            tenant: tenant, router: router, network: network, vm: vm, peerID: clientID))
                        clients.append(Agent(
                            id: clientID, role: .httpClient, index: n,
                            address: try addresses.address(tenant: tenants + tenant, network: octet, vm: vm),
                            tenant: tenant, router: router, network: network, vm: vm, peerID: serverID))
                    }
                }
            }
        }
        self.runID = runID
        self.servers = servers
        self.clients = clients
    }

    /// The id protocol and ledger use for agent `index` of `role`: `<run>-srv-<n>`, `<run>-cli-<n>`.
    public static func agentID(runID: String, role: AgentRole, index: Int) -> String {
        switch role {
        case .httpServer: return "\(runID)-srv-\(index)"
        case .httpClient: return "\(runID)-cli-\(index)"
        case .amphora: return "\(runID)-amp-\(index)"
        }
    }

    /// The server a client loads.
    public func server(of client: Agent) -> Agent {
        servers[client.index]
    }
}
