#if canImport(Glibc)
import Glibc
#endif

/// Whether a configuration's topology fits a cloud: every VM needs an address of the cloud's
/// `AddressLayout`, and on the local cloud every agent holds connections to this controller.
///
/// `RunTopology` asks it while planning and `config validate` (and `run`'s validation) asks it
/// before anything exists, so a file that `run` would refuse is refused by `validate` with the
/// same reason, at the key to lower, with exit status 2.
public enum TopologyCapacity {
    /// A count that does not fit.
    public struct Problem: Error, CustomStringConvertible {
        /// The key to lower (`["server", "vms_per_network"]`).
        public let key: [String]
        /// The layout's own error, which `RunTopology` throws unchanged.
        public let underlying: any Error

        /// The reason, as the layout words it.
        public var description: String {
            (underlying as? LoopbackAddressError)?.reason ?? "\(underlying)"
        }
    }

    /// Descriptors the controller keeps besides the agents' connections: its sockets, the
    /// state database, ZeroMQ's event fds, the files it writes.
    static let reservedFileDescriptors = 64

    /// Every count of `server` that does not fit `addresses`, tenants first.
    ///
    /// The layout's ranges start at 0 and have no gaps, so checking the highest index of each
    /// dimension is checking every VM's address, without building millions of them.
    public static func problems(server: Configuration.Server, addresses: some AddressLayout) -> [Problem] {
        var problems: [Problem] = []
        let tenants = server.numberOfTenants
        if tenants > addresses.tenantCapacity / 2 {
            problems.append(Problem(key: ["server", "number_tenants"], underlying: LoopbackAddressError(
                what: "server.number_tenants \(tenants)",
                reason: "servers and clients need \(2 * tenants) tenants and at most \(addresses.tenantCapacity) fit in \(addresses.layoutName); use at most \(addresses.tenantCapacity / 2)")))
        }
        // Networks are numbered across a tenant's routers.
        let (networks, overflow) = server.routersPerTenant.multipliedReportingOverflow(by: server.networksPerRouter)
        do {
            _ = try addresses.address(tenant: 0, network: overflow ? Int.max : networks - 1, vm: 0)
        } catch {
            problems.append(Problem(key: ["server", "networks_per_router"], underlying: error))
        }
        do {
            _ = try addresses.address(tenant: 0, network: 0, vm: server.vmsPerNetwork - 1)
        } catch {
            problems.append(Problem(key: ["server", "vms_per_network"], underlying: error))
        }
        return problems
    }

    /// The local cloud's limit on agents: each holds two connections to the controller (its
    /// command and report sockets), and each connection is a descriptor of this process.
    /// nil when `openFiles` is unlimited.
    public static func localAgentLimit(openFiles: Int?) -> Int? {
        openFiles.map { max(0, ($0 - reservedFileDescriptors) / 2) }
    }

    /// The configuration errors of `configuration` on `cloud`, located at the key to lower.
    /// `openFiles` is this process's descriptor limit (the local cloud's agent limit).
    public static func errors(_ configuration: Configuration, cloud: Configuration.Cloud,
                              openFiles: Int? = currentOpenFileLimit()) -> [ConfigurationError] {
        let server = configuration.server
        let found: [Problem]
        switch cloud {
        case .local:
            // The default tenant base (1) is in range, so this cannot throw.
            found = problems(server: server, addresses: try! LoopbackAddresses())
        case .openstack, .qemu:
            found = problems(server: server, addresses: TenantNetworkAddresses())
        }
        var errors = found.map { problem in
            error(configuration, at: problem.key) { value in
                let (networks, overflow) = server.routersPerTenant.multipliedReportingOverflow(by: server.networksPerRouter)
                let got = problem.key.last == "networks_per_router"
                    ? "\(overflow ? "more" : String(networks)) networks per tenant (routers_per_tenant \(server.routersPerTenant) × networks_per_router \(value))"
                    : value
                return "got \(got), but \(problem)"
            }
        }
        if cloud == .local, found.isEmpty, let limit = localAgentLimit(openFiles: openFiles) {
            // The addresses fit, so every count is small enough for this product not to overflow.
            let agents = 2 * server.numberOfTenants * server.routersPerTenant * server.networksPerRouter * server.vmsPerNetwork
            if agents > limit {
                errors.append(error(configuration, at: ["server", "vms_per_network"]) { _ in
                    "\(agents) agents (servers and clients) do not fit on the local cloud: with `ulimit -n` \(openFiles ?? 0) the controller holds at most \(limit) (two connections each); raise `ulimit -n` or use fewer VMs (number_tenants × routers_per_tenant × networks_per_router × vms_per_network)"
                })
            }
        }
        // Only once the addresses fit: then every count is small enough to multiply.
        if cloud == .local, found.isEmpty {
            for problem in LocalPreflight().problems(configuration) {
                errors.append(error(configuration, at: problem.key) { value in "got \(value), but \(problem.message)" })
            }
        }
        if cloud == .qemu, found.isEmpty {
            for problem in QemuPreflight().problems(configuration) {
                errors.append(error(configuration, at: problem.key) { value in "got \(value), but \(problem.message)" })
            }
        }
        return errors
    }

    /// An error at `key` of the configuration's tree; `message` gets the value as written.
    private static func error(_ configuration: Configuration, at key: [String],
                              message: (String) -> String) -> ConfigurationError {
        let node = configuration.tree.node(at: key)
        let location = node?.origin ?? SourceLocation(file: DefaultConfiguration.sourceName, line: 0)
        return ConfigurationError(path: ConfigurationPath.render(key), at: location, message: message(node?.scalar?.text ?? "?"))
    }

    /// The hard RLIMIT_NOFILE of this process (a local run raises its soft limit to it before
    /// staging, and its agents inherit it); nil when unlimited.
    public static func currentOpenFileLimit() -> Int? {
        var limit = rlimit()
        // RLIM_INFINITY is (rlim_t)-1, which Swift does not import.
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_max != rlim_t.max,
              limit.rlim_max <= rlim_t(Int.max) else { return nil }
        return Int(limit.rlim_max)
    }
}
