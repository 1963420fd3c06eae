import Foundation
import Proto

/// What a qemu run needs of this machine, checked before anything is staged: memory for every
/// VM (its flavor's RAM plus what qemu takes), CPUs for the largest flavor, root, /dev/net/tun
/// and the programs it runs.
public struct QemuPreflight: Sendable {
    /// The machine's resources the checks use.
    public struct Machine: Sendable, Equatable {
        /// MemAvailable of /proc/meminfo, in MiB.
        public var availableMemoryMB: Int
        /// Online CPUs.
        public var cpus: Int

        /// This machine, now.
        public static var current: Machine {
            Machine(availableMemoryMB: Self.availableMemoryMB() ?? 0, cpus: ServerSizing.onlineCPUs)
        }

        /// Given resources.
        public init(availableMemoryMB: Int, cpus: Int) {
            self.availableMemoryMB = availableMemoryMB
            self.cpus = cpus
        }

        static func availableMemoryMB() -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
                  let kB = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { return nil }
            return kB / 1024
        }
    }

    /// What the host keeps for itself (the controller, the page cache, other work), in MiB.
    public static let hostReserveMB = 1024

    /// The limits checked against.
    public let machine: Machine

    /// Checks against `machine`.
    public init(machine: Machine = .current) {
        self.machine = machine
    }

    /// Every problem of booting the configuration's VMs here, at the key to change.
    public func problems(_ configuration: Configuration) -> [LocalPreflight.Problem] {
        var problems: [LocalPreflight.Problem] = []
        let server = configuration.server, client = configuration.client
        let count = server.vmCount
        for (side, flavor, key) in [("server", server.flavor, "server"), ("client", client.flavor, "client")] {
            if flavor.vcpus < 1 || flavor.vcpus > machine.cpus {
                problems.append(.init(key: [key, "flavor", "vcpus"], message:
                    "a \(side) VM needs 1 to \(machine.cpus) virtual CPUs here (this machine has \(machine.cpus))"))
            }
            if flavor.ramMB < 256 {
                problems.append(.init(key: [key, "flavor", "ram"], message: "the agent image needs at least 256 MB of memory per VM"))
            }
        }
        guard problems.isEmpty else { return problems }
        let perServer = Self.hostMemoryMB(server.flavor), perClient = Self.hostMemoryMB(client.flavor)
        let (serverTotal, o1) = count.multipliedReportingOverflow(by: perServer)
        let (clientTotal, o2) = count.multipliedReportingOverflow(by: perClient)
        let (need, o3) = serverTotal.addingReportingOverflow(clientTotal)
        let room = machine.availableMemoryMB - Self.hostReserveMB
        if o1 || o2 || o3 || need > room {
            problems.append(.init(key: ["server", "flavor", "ram"], message:
                "\(count) server and \(count) client VMs need about \(o1 || o2 || o3 ? "more than \(Int.max)" : String(need)) MiB "
                    + "(flavor ram plus about \(Self.hostMemoryMB(server.flavor) - server.flavor.ramMB) MiB of qemu's per VM), "
                    + "but this machine has \(machine.availableMemoryMB) MiB available and keeps \(Self.hostReserveMB); "
                    + "lower flavor.ram (512 is enough for the agent) or use fewer VMs"))
        }
        return problems
    }

    /// The host memory one VM of `flavor` takes under TCG.
    static func hostMemoryMB(_ flavor: Configuration.Flavor) -> Int {
        QemuMachine(name: "", vcpus: flavor.vcpus, memoryMB: flavor.ramMB, overlay: "", configDrive: "", consoleLog: "",
                    tap: "", dataMAC: "", controllerPorts: []).hostMemoryMB
    }

    /// The programs a qemu run starts, and the Debian package of each.
    public static let programs: [(name: String, package: String)] = [
        ("qemu-system-x86_64", "qemu-system-x86"), ("qemu-img", "qemu-utils"), ("genisoimage", "genisoimage"),
        ("socat", "socat"), ("dnsmasq", "dnsmasq-base"), ("ip", "iproute2"),
    ]

    /// What this host lacks to run VMs at all: root, /dev/net/tun, programs. Each line says
    /// what to do.
    public static func hostProblems() -> [String] {
        var problems: [String] = []
        if geteuid() != 0 {
            problems.append("the qemu cloud creates a network namespace, a bridge and taps: run kloudbuster as root")
        }
        if !FileManager.default.fileExists(atPath: "/dev/net/tun") {
            problems.append("/dev/net/tun is missing: the VMs' taps need the tun driver")
        }
        let missing = programs.filter { HostCommand.lookUp($0.name) == nil }
        if !missing.isEmpty {
            problems.append("missing programs: \(missing.map(\.name).joined(separator: ", ")); install \(missing.map(\.package).joined(separator: " ")) (scripts/deps.sh does)")
        }
        return problems
    }
}
