import Foundation
import Synchronization

/// The `qemu` cloud's agent launcher: every VM of the topology is a real qemu VM booted from
/// the agent image, with its own copy-on-write overlay and a config drive holding its user data
/// in Nova's format, on the run's bridge (`QemuNetwork`). Its agent dials the controller's
/// loopback ports through qemu's per-connection forwards (`QemuMachine`).
///
/// What a VM is made of, in the ledger before it exists: its tap (child of the run's
/// namespace), and as the tap's children its overlay, its config drive and its qemu process,
/// so cleanup stops the VM, removes its files, then its tap, the DHCP server and the namespace.
public struct QemuCloud: AgentLauncher {
    /// Where an agent in a VM keeps its files (the image's kb-agent unit owns it).
    public static let agentWorkRoot = "/var/lib/kb-agent"

    /// The ledger.
    public let ledger: Ledger
    /// The image every VM boots (its overlays are backed by it).
    public let image: String
    /// The configuration (flavors, SSH key).
    public let configuration: Configuration
    /// The run's id.
    public let runID: String
    /// SSH keys for root in every VM (`public_key_file`), by name.
    public let publicKeys: [String: String]
    /// `tcg` (the default) or `kvm`.
    public let accelerator: String
    /// The qemu processes, until each is seen to exit.
    let spawned = SpawnedAgents()
    /// The namespace's ledger row, once created.
    private let namespaceRow = NamespaceRow()

    /// A launcher booting `image` for `runID`.
    public init(ledger: Ledger, image: String, configuration: Configuration, runID: String,
                publicKeys: [String: String] = [:], accelerator: String = "tcg") {
        self.ledger = ledger
        self.image = image
        self.configuration = configuration
        self.runID = runID
        self.publicKeys = publicKeys
        self.accelerator = accelerator
    }

    /// For messages.
    public var cloudDescription: String { "the qemu cloud" }

    var network: QemuNetwork { QemuNetwork(ledger: ledger, runID: runID) }
    var processes: ProcessResource { ProcessResource(ledger: ledger) }

    /// `/var/lib/kb-agent/<agent>`: inside the VM.
    public func workDirectory(runID: String, agentID: String, store: StateStore) throws -> String {
        "\(Self.agentWorkRoot)/\(agentID)"
    }

    /// Creates the run's namespace, bridge and DHCP server, then boots every VM (servers first)
    /// without waiting for any to finish booting: they boot in parallel, and the run's join
    /// step waits for their agents.
    public func launchAll(_ agents: [AgentUserData], started: @Sendable (Int) -> Void) async throws {
        let namespace = try await network.create()
        namespaceRow.set(namespace)
        let leases = agents.map { QemuNetwork.Lease(mac: QemuMachine.mac(forAddress: $0.address), address: $0.address, name: $0.agentID) }
        try network.startDHCP(leases, namespaceID: namespace, processes: processes)
        for (number, agent) in agents.enumerated() {
            try Task.checkCancellation()
            try await launch(agent)
            started(number + 1)
        }
    }

    /// Boots one VM; the run's network must exist (`launchAll` makes it).
    public func launch(_ userData: AgentUserData) async throws {
        guard let namespace = namespaceRow.get() else {
            throw QemuCloudError(operation: "boot \(userData.agentID)", reason: "the run's network does not exist yet",
                                 remedy: "launch the run's agents together (launchAll)")
        }
        let agentID = userData.agentID
        let runFolder = try ledger.store.runDirectory(for: runID)
        let folder = runFolder.appendingPathComponent(agentID)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let isServer = userData.role == "http-server"
        let flavor = isServer ? configuration.server.flavor : configuration.client.flavor
        let index = Int(agentID.split(separator: "-").last ?? "") ?? 0
        let tapID = try network.intendTap(agentID: agentID, namespaceID: namespace)

        let overlay = try intendFile("\(agentID)/disk.qcow2", parent: tapID)
        do {
            try await HostCommand("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, overlay.path.path]).run()
        } catch {
            throw QemuCloudError(operation: "create the disk of \(agentID)", reason: "\(error)", remedy: "check the image \(image) and the free space of the state directory")
        }
        try ledger.markCreated(overlay.id)

        let drive = try intendFile("\(agentID)/config-drive.iso", parent: tapID)
        try await ConfigDrive(userData: Self.guestView(of: userData), publicKeys: publicKeys)
            .write(to: drive.path, staging: folder.appendingPathComponent("config-drive"))
        try ledger.markCreated(drive.id)

        let machine = QemuMachine(
            name: agentID, vcpus: flavor.vcpus, memoryMB: flavor.ramMB, overlay: overlay.path.path,
            configDrive: drive.path.path, consoleLog: folder.appendingPathComponent("console.log").path,
            tap: QemuMachine.tapName(runID: runID, role: isServer ? "s" : "c", index: index),
            dataMAC: QemuMachine.mac(forAddress: userData.address),
            controllerPorts: Self.ports(of: userData.controller), accelerator: accelerator)
        let record = try processes.spawn(
            run: runID, name: agentID, executable: "qemu-system-x86_64", arguments: machine.arguments,
            parent: tapID, address: userData.address, directory: folder.path, cloud: QemuNetwork.cloud)
        guard let identity = record.processIdentity else { return }
        spawned.add(agentID, identity)
        try await network.attachTap(machine.tap, id: tapID) { identity.isAlive }
    }

    /// The user data as the guest must see it: the controller's endpoints on the forwarded
    /// address of its user network instead of the host's loopback.
    static func guestView(of userData: AgentUserData) -> AgentUserData {
        var guest = userData
        guest.controller.pubEndpoint = guestEndpoint(userData.controller.pubEndpoint)
        guest.controller.routerEndpoint = guestEndpoint(userData.controller.routerEndpoint)
        return guest
    }

    /// `tcp://127.0.0.1:40001` becomes `tcp://100.64.0.100:40001`.
    static func guestEndpoint(_ endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":") else { return endpoint }
        return "tcp://\(QemuMachine.controllerGuestAddress)" + endpoint[colon...]
    }

    /// The ports of the controller's two endpoints.
    static func ports(of controller: AgentUserData.Controller) -> [Int] {
        [controller.pubEndpoint, controller.routerEndpoint].compactMap { endpoint in
            endpoint.lastIndex(of: ":").flatMap { Int(endpoint[endpoint.index(after: $0)...]) }
        }
    }

    /// Records a run file before it exists; its path is the run folder plus `name`.
    private func intendFile(_ name: String, parent: ResourceID) throws -> (id: ResourceID, path: URL) {
        let id = try ledger.intend(run: runID, kind: .file, name: name, cloud: QemuNetwork.cloud, parent: parent)
        return (id, try ledger.store.runDirectory(for: runID).appendingPathComponent(name))
    }

    /// VMs whose qemu exited since the last call, with how.
    public func exitedAgents() async -> [(agentID: String, how: String)] {
        spawned.reapExited().map { ($0.agentID, "qemu \($0.how)") }
    }

    /// Stops the VM of an agent the run gave up on.
    public func stopLeftovers(of agentID: String) async {
        guard let record = try? ledger.liveResources(run: runID).first(where: { $0.kind == .process && $0.name == agentID }) else { return }
        _ = try? await processes.terminate(record, grace: .seconds(2))
    }

    /// The last lines of the VM's serial console (the guest's boot and the agent's start), else
    /// of qemu's standard error.
    public func logTail(agentID: String) async -> String? {
        guard let folder = try? ledger.store.runDirectory(for: runID) else { return nil }
        let files = [folder.appendingPathComponent("\(agentID)/console.log"), folder.appendingPathComponent("\(agentID).stderr.log")]
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8), !text.isEmpty else { continue }
            let lines = text.split(whereSeparator: \.isNewline).suffix(8)
            return "(\(file.lastPathComponent)) " + lines.joined(separator: "\n")
        }
        return nil
    }
}

/// The namespace row, set once by `launchAll` (a class, so `QemuCloud` stays a Sendable struct).
private final class NamespaceRow: Sendable {
    private let value = Mutex<ResourceID?>(nil)
    func set(_ id: ResourceID) { value.withLock { $0 = id } }
    func get() -> ResourceID? { value.withLock { $0 } }
}
