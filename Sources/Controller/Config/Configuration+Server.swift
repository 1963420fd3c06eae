extension Configuration {
    /// `server`: the topology and the HTTP servers. Every server VM is paired with one client
    /// VM, so these counts size both sides.
    public struct Server: Sendable, Equatable {
        /// `flavor`: Nova flavor of the server VMs (OpenStack only).
        public var flavor: Flavor
        /// `use_floatingip`: a floating IP per server VM (OpenStack only).
        public var useFloatingIP: Bool
        /// `availability_zone`: `zone` or `zone:host`; nil = Nova decides (OpenStack only).
        public var availabilityZone: String?
        /// `number_tenants`: tenants (projects) to create, one user each.
        public var numberOfTenants: Int
        /// `routers_per_tenant`: routers in each tenant.
        public var routersPerTenant: Int
        /// `networks_per_router`: networks, one subnet each, behind each router.
        public var networksPerRouter: Int
        /// `vms_per_network`: server VMs on each network.
        public var vmsPerNetwork: Int
        /// `secgroups_per_network`: security groups per network (OpenStack only).
        public var securityGroupsPerNetwork: Int
        /// `http_server_configs.html_size`: bytes of the page each server returns.
        public var htmlSize: Int

        /// How many server VMs (and so client VMs) the topology holds.
        public var vmCount: Int {
            numberOfTenants * routersPerTenant * networksPerRouter * vmsPerNetwork
        }

        init(_ reader: ConfigurationReader) {
            flavor = Flavor(reader.child("flavor"))
            useFloatingIP = reader.bool("use_floatingip")
            availabilityZone = reader.optionalString("availability_zone")
            numberOfTenants = reader.int("number_tenants")
            routersPerTenant = reader.int("routers_per_tenant")
            networksPerRouter = reader.int("networks_per_router")
            vmsPerNetwork = reader.int("vms_per_network")
            securityGroupsPerNetwork = reader.int("secgroups_per_network")
            htmlSize = reader.child("http_server_configs").int("html_size")
        }
    }

    /// A Nova flavor as KloudBuster describes it; the OpenStack driver finds or creates one.
    public struct Flavor: Sendable, Equatable {
        /// `vcpus`: virtual CPUs.
        public var vcpus: Int
        /// `ram`: memory in MB.
        public var ramMB: Int
        /// `disk`: root disk in GB (0 = the image's size).
        public var diskGB: Int
        /// `ephemeral`: ephemeral disk in GB, when given.
        public var ephemeralGB: Int?
        /// `extra_specs`: flavor metadata such as `hw:cpu_policy: dedicated`, in file order.
        public var extraSpecs: [ExtraSpec]

        /// One flavor metadata entry.
        public struct ExtraSpec: Sendable, Equatable {
            /// The metadata key, such as `hw:cpu_policy`.
            public var key: String
            /// Its value, as text.
            public var value: String
        }

        init(_ reader: ConfigurationReader) {
            vcpus = reader.int("vcpus")
            ramMB = reader.int("ram")
            diskGB = reader.int("disk")
            ephemeralGB = reader.node["ephemeral"]?.scalar.flatMap { if case let .int(v) = $0 { v } else { nil } }
            extraSpecs = (reader.node["extra_specs"]?.entries ?? []).map {
                ExtraSpec(key: $0.key, value: $0.value.scalar?.text ?? "")
            }
        }
    }
}
