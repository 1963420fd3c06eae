/// The loopback addresses the local cloud gives its "VMs", one per VM, laid out like the
/// cloud it stands in for:
///
///     127.<tenantBase + tenant>.<network>.<2 + vm>
///
/// - `tenant` 0..., `network` 0...255, `vm` 0...252 (last octet 2...254);
/// - the second octet starts at `tenantBase` (1 by default), so 127.0.0.0/24, where 127.0.0.1
///   and most local services live, is never handed out, and neither are .0, .1 and .255 in
///   the last octet (network-, gateway- and broadcast-looking addresses confuse readers of
///   logs even though loopback has no such roles).
///
/// On Linux the whole of 127.0.0.0/8 is routed to `lo`, so these need no setup. The layout is
/// a pure function of (tenant, network, vm): a run and its reports always agree on who was
/// where. Two local runs at once should use different `tenantBase` values.
public struct LoopbackAddresses: AddressLayout, Equatable {
    /// For messages.
    public var layoutName: String { "loopback" }
    /// The second octet of tenant 0.
    public let tenantBase: Int

    /// The highest VM index in a network (the last octet stops at 254).
    public static let maxVMIndex = 252
    /// The highest network index in a tenant.
    public static let maxNetworkIndex = 255

    /// A layout whose tenant 0 is 127.<tenantBase>.x.y; `tenantBase` must be 1...254.
    public init(tenantBase: Int = 1) throws {
        guard (1...254).contains(tenantBase) else {
            throw LoopbackAddressError(
                what: "tenant base \(tenantBase)",
                reason: "the second octet must be 1...254 (0 is 127.0.0.0/24, which local services use)")
        }
        self.tenantBase = tenantBase
    }

    /// How many tenants fit.
    public var tenantCapacity: Int { 255 - tenantBase }

    /// The address of VM `vm` of network `network` of tenant `tenant` (all from 0).
    ///
    /// - Throws: `LoopbackAddressError` naming the index that does not fit.
    public func address(tenant: Int, network: Int, vm: Int) throws -> String {
        guard (0..<tenantCapacity).contains(tenant) else {
            throw LoopbackAddressError(
                what: "tenant \(tenant)",
                reason: "at most \(tenantCapacity) tenants fit on loopback with tenant base \(tenantBase); use fewer tenants (server.number_tenants)")
        }
        guard (0...Self.maxNetworkIndex).contains(network) else {
            throw LoopbackAddressError(
                what: "network \(network)",
                reason: "at most \(Self.maxNetworkIndex + 1) networks per tenant fit on loopback; use fewer (routers_per_tenant × networks_per_router)")
        }
        guard (0...Self.maxVMIndex).contains(vm) else {
            throw LoopbackAddressError(
                what: "vm \(vm)",
                reason: "at most \(Self.maxVMIndex + 1) VMs per network fit on loopback; use fewer (vms_per_network)")
        }
        return "127.\(tenantBase + tenant).\(network).\(vm + 2)"
    }

    /// The (tenant, network, vm) an address of this layout stands for, or nil when it is not one.
    public func position(of address: String) -> (tenant: Int, network: Int, vm: Int)? {
        let octets = address.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 != nil }), octets[0] == 127,
            let second = octets[1], let third = octets[2], let fourth = octets[3],
            (tenantBase..<255).contains(second), (0...Self.maxNetworkIndex).contains(third),
            (2...(Self.maxVMIndex + 2)).contains(fourth)
        else { return nil }
        return (second - tenantBase, third, fourth - 2)
    }
}

/// A loopback address cannot be given: which index, and why.
public struct LoopbackAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The index or setting that does not fit, e.g. "tenant 300".
    public let what: String
    /// Why, and what to change.
    public let reason: String

    /// One line.
    public var description: String { "no loopback address for \(what): \(reason)" }
}
