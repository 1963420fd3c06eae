import ArgumentParser
import Foundation

extension RunAssembly {
    /// What the local cloud checks before anything exists: loopback room, descriptors,
    /// nginx workers, processes. A problem is a usage error (exit 2) and nothing is recorded.
    static func preflightLocal(_ configuration: Configuration) throws {
        LocalPreflight.raiseDescriptorLimit()
        let errors = TopologyCapacity.errors(configuration, cloud: .local)
        guard errors.isEmpty else {
            throw ValidationError(
                "this machine cannot run the configuration (nothing was staged):\n" + errors.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }

    /// What the qemu cloud checks before anything exists: root, /dev/net/tun, its programs,
    /// then memory and CPUs for the flavors. A problem is a usage error (exit 2).
    static func preflightQemu(_ configuration: Configuration) throws {
        let host = QemuPreflight.hostProblems()
        let errors = host + TopologyCapacity.errors(configuration, cloud: .qemu).map(\.description)
        guard errors.isEmpty else {
            throw ValidationError(
                "this machine cannot boot the configuration's VMs (nothing was staged):\n" + errors.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }

    /// `public_key_file`'s key, for root in every VM.
    static func publicKeys(_ configuration: Configuration) throws -> [String: String] {
        guard let file = configuration.openstack.publicKeyFile else { return [:] }
        do {
            let key = try String(contentsOfFile: (file as NSString).expandingTildeInPath, encoding: .utf8)
            return ["kloudbuster": key.trimmingCharacters(in: .whitespacesAndNewlines)]
        } catch {
            throw ValidationError("public_key_file: \(FileProblem(.read, path: file, error: error).reason)")
        }
    }

    /// The local topology on loopback octets reserved for this run in the state store, away
    /// from every other live run and from addresses something already listens on.
    static func localTopology(_ configuration: Configuration, runID: String, ledger: Ledger, console: ConsoleReport) throws -> RunTopology {
        let width = 2 * configuration.server.numberOfTenants
        let base = try ledger.reserveLoopback(run: runID, width: width) { range in
            guard let layout = try? LoopbackAddresses(tenantBase: range.lowerBound),
                let topology = try? RunTopology(server: configuration.server, runID: runID, addresses: layout)
            else { return false }
            guard topology.servers.allSatisfy({ LoopbackProbe.canListen(address: $0.address, port: RunCoordinator.serverPort) }),
                let claim = LoopbackLocks.claim(range)
            else { return false }
            LoopbackLocks.keep(claim)
            return true
        }
        if base != 1 {
            console.progress("note: loopback 127.\(base)-\(base + width - 1).x.x (127.1.x.x and up are in use by another run or process)")
        }
        return try RunTopology(server: configuration.server, runID: runID, addresses: try LoopbackAddresses(tenantBase: base))
    }
}
