import Foundation

// Tenants, users, quotas, security groups, keypairs, routers and networks: everything the VMs
// need, created tenant by tenant, each resource in the ledger before the call that creates it.
extension OpenStackStager {
    /// Creates (or, in reuse mode, opens) every tenant and its networks.
    func createTenants() async throws {
        for side in OpenStackPlan.Side.allCases where checked.flavorID[side] == nil {
            try await createFlavor(side)
        }
        var roles: [String: String] = [:]
        beginBar("creating tenants", total: plan.tenants.count)
        defer { endBar() }
        for (index, tenant) in plan.tenants.enumerated() {
            let state: TenantState
            if reuse == nil {
                // Placing a VM on a host (`zone:host`, the topology file) is an admin call in
                // Nova: the side's users then get keystone_admin_role, as KloudBuster's did.
                let roleName = placesOnHosts(tenant.side) ? configuration.openstack.keystoneAdminRole : "member"
                if roles[roleName] == nil {
                    roles[roleName] = try await IdentityAPI(session: sides[.server]!.session).roleID(named: roleName)
                }
                state = try await createProject(tenant, roleID: roles[roleName]!, roleName: roleName)
            } else {
                state = try await openReused(tenant)
            }
            tenantStates[index] = state
            try await createSecurityGroup(tenant, state: state)
            if let keyFile = configuration.openstack.publicKeyFile { try await createKeypair(tenant, state: state, keyFile: keyFile) }
            try await createRouters(tenant, index: index)
            countTenant(index, tenant)
        }
    }

    private func createFlavor(_ side: OpenStackPlan.Side) async throws {
        let wanted = side == .server ? configuration.server.flavor : configuration.client.flavor
        let name = "\(runID)-\(side.rawValue)"
        let ledgerID = try intend(.flavor, name, side: side)
        let compute = ComputeAPI(session: sides[side]!.session)
        let id = try await compute.createFlavor(name: name, vcpus: wanted.vcpus, ramMB: wanted.ramMB, diskGB: wanted.diskGB,
                                                ephemeralGB: wanted.ephemeralGB ?? 0)
        try ledger.markCreated(ledgerID, externalID: id)
        if !wanted.extraSpecs.isEmpty {
            try await compute.setFlavorExtraSpecs(
                id: id, Dictionary(wanted.extraSpecs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }), describing: name)
        }
        checked.flavorID[side] = id
        flavorLedger[side] = ledgerID
        progress("created flavor \(name) (\(wanted.vcpus) vCPU, \(wanted.ramMB) MB, \(wanted.diskGB) GB)")
    }

    /// Admin mode: a project and a member user of the run's own, with quotas raised.
    /// Whether the side's VMs go to named hosts (`zone:host` or the topology file).
    func placesOnHosts(_ side: OpenStackPlan.Side) -> Bool {
        if let topology, (side == .server ? topology.serverHosts : topology.clientHosts) != nil { return true }
        let zone = side == .server ? configuration.server.availabilityZone : configuration.client.availabilityZone
        return zone?.contains(":") ?? false
    }

    private func createProject(_ tenant: OpenStackPlan.Tenant, roleID: String, roleName: String) async throws -> TenantState {
        let side = sides[tenant.side]!
        let identity = IdentityAPI(session: side.session)
        let operatorToken = try await side.session.currentToken()
        let domainID = operatorToken.projectDomainID ?? "default"
        let projectLedger = try intend(.tenant, tenant.projectName, side: tenant.side)
        let projectID = try await identity.createProject(
            name: tenant.projectName, domainID: domainID, description: "KloudBuster run \(runID) (\(tenant.side.rawValue) side); delete with `kloudbuster cleanup`")
        try ledger.markCreated(projectLedger, externalID: projectID)
        let password = Self.randomPassword()
        let userLedger = try intend(.user, tenant.userName, side: tenant.side, parent: projectLedger)
        let userID = try await identity.createUser(name: tenant.userName, password: password, projectID: projectID, domainID: domainID)
        try ledger.markCreated(userLedger, externalID: userID)
        try await identity.assignRole(roleID, user: userID, project: projectID,
                                      describing: "grant role \(roleName) to user \(tenant.userName) on project \(tenant.projectName)")
        // The run's own project gets no limits: the test, not the quota, should decide the size.
        let unlimited = ["instances", "cores", "ram"].reduce(into: [String: Int]()) { $0[$1] = -1 }
        try await ComputeAPI(session: side.session).setQuota(project: projectID, unlimited)
        let network = ["network", "subnet", "router", "port", "security_group", "security_group_rule", "floatingip"]
        try await NetworkAPI(session: side.session).setQuota(project: projectID, network.reduce(into: [:]) { $0[$1] = -1 })
        let credentials = try OpenStackCredentials(
            authURL: side.session.credentials.authURL, username: nil, userID: userID, userDomainName: nil, userDomainID: nil,
            secret: .password(password), projectName: nil, projectID: projectID, projectDomainName: nil, projectDomainID: nil,
            regionName: side.session.credentials.regionName, interface: side.session.credentials.interface,
            caCertFile: side.session.credentials.caCertFile, source: "user \(tenant.userName) created by run \(runID)",
            cloudName: side.cloudName)
        let session = OpenStackSession(credentials: credentials)
        try await ComputeAPI(session: session).negotiateMicroversion()
        return TenantState(projectID: projectID, projectLedgerID: projectLedger, session: session, securityGroupName: tenant.securityGroupName)
    }

    /// Reuse mode: the tenants file's user of this side, in its project. Nothing is created.
    private func openReused(_ tenant: OpenStackPlan.Tenant) async throws -> TenantState {
        guard let reuse else { fatalError("OpenStackStager.openReused without a tenants file") }
        let side = sides[tenant.side]!
        var credentials = try reuse.credentials(of: tenant.side, operator: side.session.credentials)
        credentials.cloudName = side.cloudName
        let session = OpenStackSession(credentials: credentials)
        let token = try await session.currentToken()
        try await ComputeAPI(session: session).negotiateMicroversion()
        return TenantState(projectID: token.projectID ?? "", projectLedgerID: nil, session: session,
                           securityGroupName: tenant.securityGroupName)
    }

    /// One security group per tenant. Servers admit the test's port from the client networks
    /// only (and from the external network's range when floating IPs carry the traffic);
    /// clients admit nothing: agents only dial out.
    private func createSecurityGroup(_ tenant: OpenStackPlan.Tenant, state: TenantState) async throws {
        let network = NetworkAPI(session: state.session)
        let ledgerID = try intend(.securityGroup, tenant.securityGroupName, side: tenant.side, parent: state.projectLedgerID)
        let group = try await network.create(.securityGroup, [
            "name": .of(tenant.securityGroupName), "description": .of("KloudBuster run \(runID)"),
        ], describing: tenant.securityGroupName)
        let groupID = try group.requireString("id")
        try ledger.markCreated(ledgerID, externalID: groupID)
        guard tenant.side == .server else { return }
        var sources = plan.clientCIDRs
        if configuration.server.useFloatingIP || configuration.client.useFloatingIP,
           let external = checked.externalNetworkID[.server] {
            let subnets = try await NetworkAPI(session: sides[.server]!.session).list(.subnet, ["network_id": external])
            sources += subnets.compactMap { $0["cidr"]?.string }.filter { !$0.contains(":") }
        }
        for cidr in sources {
            _ = try await network.create(.securityGroupRule, [
                "security_group_id": .of(groupID), "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
                "port_range_min": .of(RunCoordinator.serverPort), "port_range_max": .of(RunCoordinator.serverPort),
                "remote_ip_prefix": .of(cidr),
            ], describing: "\(tenant.securityGroupName): tcp \(RunCoordinator.serverPort) from \(cidr)")
        }
    }

    private func createKeypair(_ tenant: OpenStackPlan.Tenant, state: TenantState, keyFile: String) async throws {
        let key: String
        do throws(FileProblem) {
            key = try FileProblem.readText(keyFile).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw OpenStackPlanError("public_key_file \(keyFile) cannot be read: \(error.reason); point it at an SSH public key, or leave it empty")
        }
        guard !key.isEmpty else {
            throw OpenStackPlanError("public_key_file \(keyFile) is empty: point it at an SSH public key, or leave it empty")
        }
        let ledgerID = try intend(.keypair, tenant.keypairName, side: tenant.side, parent: state.projectLedgerID)
        try await ComputeAPI(session: state.session).importKeypair(name: tenant.keypairName, publicKey: key)
        let userID = try await state.session.currentToken().userID
        try ledger.markCreated(ledgerID, externalID: "\(userID)/\(tenant.keypairName)")
    }

    /// Routers (with the external gateway when there is an external network), then each
    /// network, its subnet, and the router interface joining them.
    private func createRouters(_ tenant: OpenStackPlan.Tenant, index: Int) async throws {
        guard var state = tenantStates[index] else { fatalError("OpenStackStager.createRouters before the tenant's state") }
        let network = NetworkAPI(session: state.session)
        for router in tenant.routers {
            var fields: [String: JSONValue] = ["name": .of(router.name)]
            if let external = checked.externalNetworkID[tenant.side] {
                fields["external_gateway_info"] = ["network_id": .of(external)]
            }
            let routerLedger = try intend(.router, router.name, side: tenant.side, parent: state.projectLedgerID)
            let routerID = try await network.create(.router, fields, describing: router.name).requireString("id")
            try ledger.markCreated(routerLedger, externalID: routerID)
            for net in router.networks {
                let networkLedger = try intend(.network, net.name, side: tenant.side, parent: state.projectLedgerID)
                let networkID = try await network.create(.network, ["name": .of(net.name)], describing: net.name).requireString("id")
                try ledger.markCreated(networkLedger, externalID: networkID)
                state.networkIDs[net.name] = (networkID, networkLedger)
                let subnetID = try await network.create(.subnet, [
                    "name": .of(net.name), "network_id": .of(networkID), "ip_version": 4, "cidr": .of(net.cidr),
                    "gateway_ip": .of(net.gateway), "enable_dhcp": false,
                ], describing: "subnet \(net.name) \(net.cidr)").requireString("id")
                let interfaceName = "\(net.name)-if"
                let interfaceLedger = try intend(.routerInterface, interfaceName, side: tenant.side, parent: networkLedger)
                try await network.addRouterInterface(router: routerID, subnet: subnetID,
                                                     describing: "attach subnet \(net.name) to router \(router.name)")
                try ledger.markCreated(interfaceLedger, externalID: "\(routerID)/\(subnetID)")
            }
        }
        tenantStates[index] = state
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
