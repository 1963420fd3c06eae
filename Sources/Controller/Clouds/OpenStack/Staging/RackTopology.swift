import Foundation
import Yams

/// KloudBuster's topology file (`cfg.topo.yaml`): the compute hosts of the server side
/// (`servers_rack`) and of the client side (`clients_rack`), so that traffic crosses racks.
/// When given, it overrides `availability_zone`'s host: each side's VMs go to its hosts
/// round-robin, as `zone:host`.
public struct RackTopology: Sendable, Equatable {
    /// Hosts for server VMs; nil when the file does not say.
    public var serverHosts: [String]?
    /// Hosts for client VMs; nil when the file does not say.
    public var clientHosts: [String]?

    /// Reads a topology file.
    ///
    /// - Throws: `OpenStackPlanError` naming the file and the key.
    public init(file path: String) throws {
        let root: Any?
        let text: String
        do throws(FileProblem) {
            text = try FileProblem.readText(path)
        } catch {
            throw OpenStackPlanError("topology file \(path) cannot be read: \(error.reason)")
        }
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw OpenStackPlanError("topology file \(path) cannot be read as YAML: \(error)")
        }
        let map = root as? [String: Any] ?? [:]
        func hosts(_ key: String) throws -> [String]? {
            guard let value = map[key] else { return nil }
            guard let list = value as? [Any], !list.isEmpty else {
                throw OpenStackPlanError("topology file \(path): \(key) must be a list of compute host names (as `openstack hypervisor list` shows them)")
            }
            return list.map { "\($0)" }
        }
        serverHosts = try hosts("servers_rack")
        clientHosts = try hosts("clients_rack")
        guard serverHosts != nil || clientHosts != nil else {
            throw OpenStackPlanError("topology file \(path) has neither servers_rack nor clients_rack")
        }
    }
}
