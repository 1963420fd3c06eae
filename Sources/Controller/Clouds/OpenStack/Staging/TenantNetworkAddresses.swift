/// The fixed IPs an OpenStack run plans for its VMs: tenant t's network n is
/// `10.<1+t>.<n>.0/24` with its gateway at `.1`, and VM v on it gets `10.<1+t>.<n>.<10+v>`.
///
/// Every network of a run gets its own /24, so no two overlap even when servers and clients
/// share a project (tenant reuse) or a router; addresses are requested explicitly, so the
/// controller knows each VM's address before the VM exists.
public struct TenantNetworkAddresses: AddressLayout, Equatable {
    /// The highest VM index on a network (the last octet stops at 254).
    public static let maxVMIndex = 244
    /// The highest network index in a tenant.
    public static let maxNetworkIndex = 255

    /// A layout for tenants 0..<253 (servers and clients together).
    public init() {}

    /// 253: the second octet runs 1...253.
    public var tenantCapacity: Int { 253 }

    /// For messages.
    public var layoutName: String { "the 10.0.0.0/8 tenant networks" }

    /// The /24 of network `network` of tenant `tenant`.
    public func cidr(tenant: Int, network: Int) -> String {
        "10.\(1 + tenant).\(network).0/24"
    }

    /// The gateway of that network.
    public func gateway(tenant: Int, network: Int) -> String {
        "10.\(1 + tenant).\(network).1"
    }

    /// The fixed IP of VM `vm`.
    ///
    /// - Throws: `OpenStackPlanError` naming the configuration key to lower.
    public func address(tenant: Int, network: Int, vm: Int) throws -> String {
        guard (0..<tenantCapacity).contains(tenant) else {
            throw OpenStackPlanError("tenant \(tenant) does not fit: servers and clients together use at most \(tenantCapacity) tenants; lower server.number_tenants")
        }
        guard (0...Self.maxNetworkIndex).contains(network) else {
            throw OpenStackPlanError("network \(network) does not fit: at most \(Self.maxNetworkIndex + 1) networks per tenant; lower routers_per_tenant × networks_per_router")
        }
        guard (0...Self.maxVMIndex).contains(vm) else {
            throw OpenStackPlanError("VM \(vm) does not fit: at most \(Self.maxVMIndex + 1) VMs per network; lower vms_per_network")
        }
        return "10.\(1 + tenant).\(network).\(10 + vm)"
    }
}

/// A configuration that cannot be laid out on OpenStack, or a prerequisite the cloud lacks,
/// found before anything was created.
public struct OpenStackPlanError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
