import Proto

/// What a run creates on OpenStack, named and numbered before anything is created: KloudBuster's
/// tenants × routers × networks × VMs for the servers, the same shape again for the clients,
/// one user per tenant, one security group per tenant, and every VM's fixed IP.
///
/// Every name starts with the run id (`kb-20261122-0836-ab12-s0-r0-n1`), so cleanup can find
/// a resource by name after a crash and `cleanup --all` never touches what another tool made.
/// A pure value: tested without a cloud.
public struct OpenStackPlan: Sendable, Equatable {
    /// The server side (tenants 0..<T) or the client side (tenants T..<2T).
    public enum Side: String, Sendable, CaseIterable {
        /// The HTTP servers.
        case server
        /// The load generators.
        case client

        /// The letter in names: `s`, `c`.
        var letter: String { self == .server ? "s" : "c" }
    }

    /// One network behind a router, with its subnet and the VMs on it.
    public struct Network: Sendable, Equatable {
        /// The network's and its subnet's name.
        public let name: String
        /// Its /24.
        public let cidr: String
        /// Its gateway (the router's interface).
        public let gateway: String
        /// The agent ids of its VMs, in order.
        public let vmIDs: [String]
    }

    /// One router and the networks behind it.
    public struct Router: Sendable, Equatable {
        /// The router's name.
        public let name: String
        /// Its networks.
        public let networks: [Network]
    }

    /// One tenant: a project (created, or reused from a tenants file) with one user.
    public struct Tenant: Sendable, Equatable {
        /// Which side it serves.
        public let side: Side
        /// Its index within the side.
        public let index: Int
        /// The project's name (created mode) — reused projects keep their own name.
        public let projectName: String
        /// The name of the user created for it.
        public let userName: String
        /// The security group its VMs get.
        public let securityGroupName: String
        /// The keypair its user gets, when a public key is configured.
        public let keypairName: String
        /// Its routers.
        public let routers: [Router]

        /// Every network of the tenant.
        public var networks: [Network] { routers.flatMap(\.networks) }
    }

    /// Where one VM goes.
    public struct Placement: Sendable, Equatable {
        /// Its tenant, as an index into `tenants`.
        public let tenant: Int
        /// Its network's name.
        public let network: String
        /// Its fixed IP.
        public let address: String
    }

    /// The run.
    public let runID: String
    /// Server tenants, then client tenants.
    public let tenants: [Tenant]
    /// Every VM by agent id.
    public let placements: [String: Placement]

    /// Plans `topology` (whose addresses come from `TenantNetworkAddresses`).
    public init(topology: RunTopology, server: Configuration.Server, addresses: TenantNetworkAddresses = TenantNetworkAddresses()) {
        runID = topology.runID
        var tenants: [Tenant] = []
        var placements: [String: Placement] = [:]
        let count = server.numberOfTenants
        for side in Side.allCases {
            let agents = side == .server ? topology.servers : topology.clients
            for tenant in 0..<count {
                let base = "\(topology.runID)-\(side.letter)\(tenant)"
                let addressTenant = side == .server ? tenant : count + tenant
                var routers: [Router] = []
                for router in 0..<server.routersPerTenant {
                    var networks: [Network] = []
                    for network in 0..<server.networksPerRouter {
                        let octet = router * server.networksPerRouter + network
                        let name = "\(base)-r\(router)-n\(network)"
                        let vms = agents.filter { $0.tenant == tenant && $0.router == router && $0.network == network }
                        for vm in vms {
                            placements[vm.id] = Placement(tenant: tenants.count, network: name, address: vm.address)
                        }
                        networks.append(Network(
                            name: name, cidr: addresses.cidr(tenant: addressTenant, network: octet),
                            gateway: addresses.gateway(tenant: addressTenant, network: octet), vmIDs: vms.map(\.id)))
                    }
                    routers.append(Router(name: "\(base)-r\(router)", networks: networks))
                }
                tenants.append(Tenant(
                    side: side, index: tenant, projectName: base, userName: "\(base)-user", securityGroupName: "\(base)-sg",
                    keypairName: "\(base)-kp", routers: routers))
            }
        }
        self.tenants = tenants
        self.placements = placements
    }

    /// The tenants of one side.
    public func tenants(of side: Side) -> [Tenant] {
        tenants.filter { $0.side == side }
    }

    /// The CIDRs of every client network: the only sources a server's security group admits.
    public var clientCIDRs: [String] {
        tenants(of: .client).flatMap(\.networks).map(\.cidr)
    }

    /// How many VMs a side boots.
    public func vmCount(of side: Side) -> Int {
        tenants(of: side).flatMap(\.networks).reduce(0) { $0 + $1.vmIDs.count }
    }
}
