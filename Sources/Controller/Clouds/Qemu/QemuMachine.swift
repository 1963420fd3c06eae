/// One VM of the qemu cloud and the qemu command line that boots it. A value: everything it
/// needs (files, the tap's name, the controller's ports) is decided before, so the command
/// line is tested without qemu.
///
/// Two NICs, as on a cloud with a management network:
/// - `ctl`: qemu's user network, restricted (`restrict=on`: the guest reaches nothing of the
///   host), whose only way out is one `guestfwd` per controller port. The `cmd:` form runs
///   `socat` for every connection the guest opens, so the agent's reconnects reach the
///   controller's loopback listener each time (the `tcp:` form connects once, when qemu starts).
/// - `data`: a tap on the run's bridge inside the run's network namespace (`QemuNetwork`),
///   which carries the HTTP load from VM to VM and nothing else.
public struct QemuMachine: Sendable, Equatable {
    /// The guest address of the controller on the `ctl` network: the agents dial it.
    public static let controllerGuestAddress = "100.64.0.100"
    /// The `ctl` network: away from the 10.0.0.0/8 data plane and from what guests use.
    public static let controlNetwork = "100.64.0.0/24"

    /// The agent id; also the VM's name.
    public var name: String
    /// Virtual CPUs (`flavor.vcpus`).
    public var vcpus: Int
    /// Memory in MiB (`flavor.ram`).
    public var memoryMB: Int
    /// The VM's copy-on-write disk over the image.
    public var overlay: String
    /// Its config drive (ISO 9660, label `config-2`).
    public var configDrive: String
    /// Where its serial console is written.
    public var consoleLog: String
    /// The tap's name on the host (at most 15 characters).
    public var tap: String
    /// The data NIC's MAC address (the run's DHCP server maps it to the VM's address).
    public var dataMAC: String
    /// The controller's ports on 127.0.0.1, forwarded to the same ports of
    /// `controllerGuestAddress`.
    public var controllerPorts: [Int]
    /// `tcg` or `kvm`.
    public var accelerator: String

    /// Creates the description of a VM.
    public init(name: String, vcpus: Int, memoryMB: Int, overlay: String, configDrive: String, consoleLog: String,
                tap: String, dataMAC: String, controllerPorts: [Int], accelerator: String = "tcg") {
        self.name = name
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.overlay = overlay
        self.configDrive = configDrive
        self.consoleLog = consoleLog
        self.tap = tap
        self.dataMAC = dataMAC
        self.controllerPorts = controllerPorts
        self.accelerator = accelerator
    }

    /// How much translated code TCG may cache, in MiB: qemu's default (a quarter of guest
    /// memory, up to 1 GiB) would count against the host as much as the guest's memory.
    public static let translationCacheMB = 128

    /// The host memory the VM may take: its RAM, TCG's cache and qemu's own (about 100 MiB).
    public var hostMemoryMB: Int { memoryMB + (accelerator == "tcg" ? Self.translationCacheMB : 0) + 100 }

    /// The arguments after `qemu-system-x86_64`.
    public var arguments: [String] {
        let accel = accelerator == "tcg" ? "tcg,tb-size=\(Self.translationCacheMB)" : accelerator
        let forwards = controllerPorts.map {
            ",guestfwd=tcp:\(Self.controllerGuestAddress):\($0)-cmd:socat STDIO TCP4:127.0.0.1:\($0)"
        }.joined()
        return [
            "-name", "\(name),process=\(name)",
            "-machine", "q35",
            "-accel", accel,
            "-cpu", accelerator == "tcg" ? "max" : "host",
            "-smp", String(vcpus),
            "-m", String(memoryMB),
            "-nodefaults", "-display", "none", "-monitor", "none",
            "-serial", "file:\(consoleLog)",
            // Unsafe caching: the overlay is thrown away with the VM, so flushes buy nothing.
            "-drive", "file=\(overlay),if=virtio,format=qcow2,cache=unsafe,discard=unmap",
            "-drive", "file=\(configDrive),if=virtio,format=raw,readonly=on",
            "-netdev", "user,id=ctl,net=\(Self.controlNetwork),restrict=on" + forwards,
            "-device", "virtio-net-pci,netdev=ctl",
            "-netdev", "tap,id=data,ifname=\(tap),script=no,downscript=no",
            "-device", "virtio-net-pci,netdev=data,mac=\(dataMAC)",
            // A guest that reboots or panics ends the process: the run sees the VM is gone.
            "-no-reboot",
        ]
    }

    /// `52:54:00:aa:bb:cc` from the VM's address `10.aa.bb.cc` (qemu's locally administered
    /// prefix): unique within a run, and the same every time.
    public static func mac(forAddress address: String) -> String {
        let octets = address.split(separator: ".").compactMap { Int($0) }
        let tail = octets.dropFirst().map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
        return (["52", "54", "00"] + tail).joined(separator: ":")
    }

    /// A tap name of at most 15 characters: `kb`, the run id's random part, `s` or `c` and the
    /// agent's index (`kbx7k2s0`, `kbx7k2c13`).
    public static func tapName(runID: String, role: Character, index: Int) -> String {
        let suffix = runID.split(separator: "-").last.map(String.init) ?? "run"
        return String("kb\(suffix.prefix(5))\(role)\(index)".prefix(15))
    }
}
