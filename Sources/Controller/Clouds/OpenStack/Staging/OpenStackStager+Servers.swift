import Foundation

// Booting one VM: the server with its planned fixed IP, security group and user data, polled
// until ACTIVE, then its floating IP when the configuration asks for one.
extension OpenStackStager {
    /// Boots the VM of `userData.agentID` and waits until it is ACTIVE.
    ///
    /// - Throws: `OpenStackAPIError` for a refused call, `OpenStackPlanError` for a VM that went
    ///   to ERROR (with Nova's fault) or did not become ACTIVE in time.
    func boot(_ userData: AgentUserData) async throws {
        let name = userData.agentID
        guard let placement = plan.placements[name], let state = tenantStates[placement.tenant],
              let network = state.networkIDs[placement.network]
        else { fatalError("OpenStackStager.boot: \(name) is not in the plan, or its tenant was not created") }
        let tenant = plan.tenants[placement.tenant]
        let side = tenant.side
        let compute = ComputeAPI(session: state.session)
        var fields: [String: JSONValue] = [
            "name": .of(name),
            "imageRef": .of(checked.imageID[side]!),
            "flavorRef": .of(checked.flavorID[side]!),
            "networks": [["uuid": .of(network.id), "fixed_ip": .of(placement.address)]],
            "security_groups": [["name": .of(state.securityGroupName)]],
            "user_data": .of(try userData.jsonData().base64EncodedString()),
            "min_count": 1, "max_count": 1,
        ]
        // The image reads the config drive first; without one it asks the metadata service.
        if configuration.openstack.configDrive { fields["config_drive"] = true }
        if configuration.openstack.publicKeyFile != nil { fields["key_name"] = .of(tenant.keypairName) }
        if let zone = availabilityZone(side, index: Int(name.split(separator: "-").last ?? "0") ?? 0) { fields["availability_zone"] = .of(zone) }
        let ledgerID = try intend(.vm, name, side: side, parent: network.ledgerID, address: placement.address)
        let serverID: String
        do {
            serverID = try await compute.createServer(fields, describing: name)
        } catch let error as OpenStackAPIError where error.kind == .timeout || error.kind == .serverError {
            // The boot may have happened: adopt a server of that name rather than boot a second.
            guard let existing = try await compute.servers(matching: "^\(name)$").first?["id"]?.string else { throw error }
            serverID = existing
        } catch let error as OpenStackAPIError where (400..<500).contains(error.status ?? 0) {
            // Refused outright: nothing exists, and cleanup need not look for it.
            try ledger.markDeleted(ledgerID, note: "never created: \(error.status ?? 0) from Nova")
            throw error
        }
        try ledger.markCreated(ledgerID, externalID: serverID)
        vmNotes[name] = "server \(serverID) BUILD"
        let server = try await waitActive(serverID, name: name, compute: compute)
        let host = server["OS-EXT-SRV-ATTR:host"]?.string.map { " on \($0)" } ?? ""
        vmNotes[name] = "server \(serverID) ACTIVE\(host), fixed IP \(placement.address)"
        let useFloating = side == .server ? configuration.server.useFloatingIP : configuration.client.useFloatingIP
        if useFloating, let external = checked.externalNetworkID[side] {
            try await attachFloatingIP(name: name, serverID: serverID, external: external, side: side, state: state, parent: ledgerID)
        }
        countBooted(total: plan.placements.count)
    }

    /// Polls until ACTIVE; ERROR or the timeout fail with what Nova said.
    private func waitActive(_ serverID: String, name: String, compute: ComputeAPI) async throws -> JSONValue {
        let deadline = ContinuousClock.now + bootTimeout
        var lastStatus = "BUILD"
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            if let server = try await compute.server(id: serverID) {
                lastStatus = server["status"]?.string ?? "?"
                if lastStatus == "ACTIVE" { return server }
                if lastStatus == "ERROR" {
                    let fault = server["fault"]?["message"]?.string ?? "no fault recorded"
                    vmNotes[name] = "server \(serverID) ERROR: \(fault)"
                    throw OpenStackPlanError(
                        "VM \(name) (\(serverID)) went to ERROR: \(fault); check the flavor, image and availability zone, and nova-compute's log")
                }
            } else {
                throw OpenStackPlanError("VM \(name) (\(serverID)) disappeared while booting; was it deleted by someone else?")
            }
            try await Task.sleep(for: pollInterval)
        }
        throw OpenStackPlanError(
            "VM \(name) (\(serverID)) is still \(lastStatus) after \(Self.seconds(bootTimeout)); the cloud is slow or stuck: check nova-conductor and nova-compute")
    }

    private func attachFloatingIP(name: String, serverID: String, external: String, side: OpenStackPlan.Side, state: TenantState,
                                  parent: ResourceID) async throws {
        let network = NetworkAPI(session: state.session)
        guard let port = try await network.list(.port, ["device_id": serverID]).first?["id"]?.string else {
            throw OpenStackPlanError("VM \(name) (\(serverID)) is ACTIVE but has no port: its network may have been deleted")
        }
        let fipName = "\(name)-fip"
        let ledgerID = try intend(.floatingIP, fipName, side: side, parent: parent)
        let fip = try await network.create(.floatingIP, [
            "floating_network_id": .of(external), "port_id": .of(port), "description": .of(fipName),
        ], describing: fipName)
        try ledger.markCreated(ledgerID, externalID: try fip.requireString("id"))
        if let address = fip["floating_ip_address"]?.string { vmNotes[name, default: ""] += ", floating IP \(address)" }
    }

    /// `availability_zone` (`zone` or `zone:host`); the topology file's racks override it,
    /// spreading the side's VMs over its hosts round-robin.
    func availabilityZone(_ side: OpenStackPlan.Side, index: Int) -> String? {
        let configured = side == .server ? configuration.server.availabilityZone : configuration.client.availabilityZone
        guard let topology, let hosts = side == .server ? topology.serverHosts : topology.clientHosts, !hosts.isEmpty else {
            return configured
        }
        let zone = configured.map { String($0.split(separator: ":").first ?? "nova") } ?? "nova"
        return "\(zone):\(hosts[index % hosts.count])"
    }
}
