import Foundation

/// The data plane of a qemu run: a network namespace named after the run, a bridge in it, a
/// DHCP server (dnsmasq, as Neutron uses) that gives each VM its planned address, and one tap
/// per VM moved onto the bridge. Nothing of it is reachable from the host's own namespace, so
/// the HTTP load between VMs stays inside.
///
/// Every piece is written to the ledger before it exists: the namespace (whose deletion also
/// deletes the bridge), the DHCP server (a process, child of the namespace) and each tap
/// (child of the namespace; the VM's process and files are children of its tap).
public struct QemuNetwork: Sendable {
    /// The cloud name the qemu cloud records its resources under.
    public static let cloud = "qemu"
    /// The bridge's name inside the namespace.
    public static let bridge = "br0"
    /// The bridge's own address: in the data plane's /8 but outside every VM's /24 range.
    public static let bridgeAddress = "10.255.255.254/8"

    /// The ledger.
    public let ledger: Ledger
    /// The run.
    public let runID: String

    /// The network of `runID`.
    public init(ledger: Ledger, runID: String) {
        self.ledger = ledger
        self.runID = runID
    }

    /// The namespace's name: the run id (under /run/netns/).
    public var namespace: String { runID }

    /// Creates the namespace and its bridge, and returns the namespace's ledger row.
    ///
    /// - Throws: `QemuCloudError` with what `ip` said.
    public func create() async throws -> ResourceID {
        let id = try ledger.intend(run: runID, kind: .netns, name: namespace, cloud: Self.cloud)
        let steps: [[String]] = [
            ["netns", "add", namespace],
            ["-n", namespace, "link", "set", "lo", "up"],
            ["-n", namespace, "link", "add", Self.bridge, "type", "bridge"],
            ["-n", namespace, "addr", "add", Self.bridgeAddress, "dev", Self.bridge],
            ["-n", namespace, "link", "set", Self.bridge, "up"],
        ]
        for step in steps {
            do {
                try await HostCommand("ip", step).run()
            } catch {
                throw QemuCloudError(operation: "create the run's network namespace \(namespace)", reason: "\(error)",
                                     remedy: "the qemu cloud needs root (CAP_NET_ADMIN) and iproute2")
            }
        }
        try ledger.markCreated(id, externalID: namespace)
        return id
    }

    /// One VM's entry for the DHCP server.
    public struct Lease: Sendable, Equatable {
        /// The data NIC's MAC address.
        public var mac: String
        /// The address it gets.
        public var address: String
        /// Its host name (the agent id).
        public var name: String

        /// A lease.
        public init(mac: String, address: String, name: String) {
            self.mac = mac
            self.address = address
            self.name = name
        }
    }

    /// The dnsmasq arguments that serve exactly `leases` on the bridge: static addresses
    /// only, no router and no DNS (the data plane goes nowhere else), no lease file.
    public func dhcpArguments(_ leases: [Lease]) -> [String] {
        [
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=0",
            "--interface=\(Self.bridge)", "--bind-interfaces", "--except-interface=lo",
            "--dhcp-range=10.0.0.0,static,255.0.0.0,12h", "--dhcp-authoritative", "--leasefile-ro",
            "--dhcp-option=option:router", "--dhcp-option=option:dns-server",
            "--log-facility=-", "--log-dhcp", "--pid-file=",
        ] + leases.map { "--dhcp-host=\($0.mac),\($0.address),\($0.name)" }
    }

    /// Starts the DHCP server in the namespace (a process, child of the namespace's row).
    public func startDHCP(_ leases: [Lease], namespaceID: ResourceID, processes: ProcessResource) throws {
        let folder = try ledger.store.runDirectory(for: runID).appendingPathComponent("\(runID)-dhcp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try processes.spawn(
            run: runID, name: "\(runID)-dhcp", executable: "ip",
            arguments: ["netns", "exec", namespace, "dnsmasq"] + dhcpArguments(leases),
            parent: namespaceID, directory: folder.path, cloud: Self.cloud)
    }

    /// Records the tap of `agentID` before qemu creates it.
    public func intendTap(agentID: String, namespaceID: ResourceID) throws -> ResourceID {
        try ledger.intend(run: runID, kind: .tap, name: "\(agentID)-tap", cloud: Self.cloud, parent: namespaceID)
    }

    /// Moves the tap qemu created onto the run's bridge, once it exists (qemu opens it while
    /// starting), and records its name. A tap moved into the namespace stays attached to
    /// qemu's descriptor and disappears when qemu exits.
    ///
    /// - Parameter isRunning: whether qemu still runs; a qemu that exited will never make it.
    public func attachTap(_ tap: String, id: ResourceID, within limit: Duration = .seconds(20),
                          isRunning: () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while !FileManager.default.fileExists(atPath: "/sys/class/net/\(tap)") {
            guard isRunning() else {
                throw QemuCloudError(operation: "attach the tap \(tap)", reason: "qemu exited before creating it",
                                     remedy: "see the VM's stderr log in the run folder")
            }
            guard clock.now < deadline else {
                throw QemuCloudError(operation: "attach the tap \(tap)", reason: "qemu did not create it within \(limit)",
                                     remedy: "check that /dev/net/tun exists and qemu runs as root")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        do {
            try await HostCommand("ip", ["link", "set", tap, "netns", namespace]).run()
            try await HostCommand("ip", ["-n", namespace, "link", "set", tap, "master", Self.bridge, "up"]).run()
        } catch {
            throw QemuCloudError(operation: "attach the tap \(tap) to the run's bridge", reason: "\(error)",
                                 remedy: "the qemu cloud needs root (CAP_NET_ADMIN)")
        }
        try ledger.markCreated(id, externalID: tap)
    }
}

extension ResourceKind {
    /// A network namespace of the qemu cloud (with the run's bridge in it).
    public static let netns: ResourceKind = "netns"
    /// A tap device of a qemu VM.
    public static let tap: ResourceKind = "tap"
    /// A file in the run's folder that must not outlive the run (a VM's disk, a config drive
    /// holding a secret key).
    public static let file: ResourceKind = "file"
}
