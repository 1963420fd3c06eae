import Foundation

/// Deletes one OpenStack resource by its cloud id: what `OpenStackDeleter` does for a ledger
/// row and `OpenStackSweeper` for a resource it found by name. Every call is idempotent.
struct OpenStackRemover: Sendable {
    /// The session the calls go through.
    let session: OpenStackSession
    /// How long a deleted VM may take to disappear (its ports go with it, and networks
    /// cannot be deleted before).
    let vmGoneTimeout: Duration

    /// Deletes the `kind` resource `id` (`name` is for messages); `false` when it was gone.
    ///
    /// Ids are the cloud's, except a router interface (`<router>/<subnet>`) and a keypair
    /// (`<user>/<name>`, or its name alone for the session's own user).
    func remove(_ kind: ResourceKind, id: String, name: String) async throws -> Bool {
        let network = NetworkAPI(session: session)
        switch kind {
        case .vm:
            let compute = ComputeAPI(session: session)
            let existed = try await compute.deleteServer(id: id, describing: name)
            try await waitGone(id, name: name, compute: compute)
            return existed
        case .floatingIP: return try await network.delete(.floatingIP, id: id, describing: name)
        case .router: return try await network.delete(.router, id: id, describing: name)
        case .port: return try await network.delete(.port, id: id, describing: name)
        case .subnet: return try await network.delete(.subnet, id: id, describing: name)
        case .network: return try await network.delete(.network, id: id, describing: name)
        case .securityGroup: return try await network.delete(.securityGroup, id: id, describing: name)
        case .routerInterface:
            let parts = id.split(separator: "/").map(String.init)
            guard parts.count == 2 else { throw OpenStackPlanError("router interface \(name) has a malformed id \(id)") }
            return try await network.removeRouterInterface(router: parts[0], subnet: parts[1], describing: "detach \(name)")
        case .keypair:
            let parts = id.split(separator: "/").map(String.init)
            let compute = ComputeAPI(session: session)
            if parts.count == 2 {
                let admin = try await session.currentToken().hasRole("admin")
                return try await compute.deleteKeypair(name: parts[1], userID: admin ? parts[0] : nil)
            }
            return try await compute.deleteKeypair(name: id)
        case .user: return try await IdentityAPI(session: session).deleteUser(id: id, describing: name)
        case .tenant:
            // Neutron made a `default` security group for the project on its first call; it
            // would outlive the project (Keystone does not tell Neutron), so it goes first.
            for group in try await network.list(.securityGroup, ["project_id": id]) {
                guard let groupID = group["id"]?.string else { continue }
                try await network.delete(.securityGroup, id: groupID, describing: "\(group["name"]?.string ?? "") of project \(name)")
            }
            return try await IdentityAPI(session: session).deleteProject(id: id, describing: name)
        case .flavor: return try await ComputeAPI(session: session).deleteFlavor(id: id, describing: name)
        default: throw OpenStackPlanError("the OpenStack driver does not delete \(kind) resources")
        }
    }

    /// Nova deletes asynchronously; the VM's ports go only when it is gone. Gone means 404:
    /// status DELETED is Nova's last step (vm_state deleted, the row not yet destroyed), which
    /// lasted seconds under load, and the VM is still listed then; a cleanup that stopped at
    /// it left member runs' server VMs in the cloud's listing after it said "done".
    private func waitGone(_ id: String, name: String, compute: ComputeAPI) async throws {
        let deadline = ContinuousClock.now + vmGoneTimeout
        while ContinuousClock.now < deadline {
            guard try await compute.server(id: id) != nil else { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw OpenStackPlanError("VM \(name) (\(id)) was asked to delete but still exists after \(vmGoneTimeout); check nova-compute")
    }
}
