/// How a cloud numbers its VMs: one IPv4 address per (tenant, network, VM), the same every
/// time, so a plan, its ledger rows and its reports agree on who was where.
public protocol AddressLayout: Sendable {
    /// How many tenants fit (servers and clients together).
    var tenantCapacity: Int { get }
    /// What the addresses are, for messages: `loopback`, `the 10.0.0.0/8 tenant networks`.
    var layoutName: String { get }
    /// The address of VM `vm` of network `network` of tenant `tenant` (all from 0).
    func address(tenant: Int, network: Int, vm: Int) throws -> String
}
