import Foundation

// Everything checked before the first resource is created: a run that cannot succeed stops
// here with a message, and leaves nothing behind.
extension OpenStackStager {
    /// The default image name when `image_name` is not set.
    public static let defaultImageName = "kloudbuster-agent"

    /// The command that uploads the agent image `make image` builds as image `name`.
    static func uploadCommand(name: String) -> String {
        "kloudbuster image upload kloudbuster-agent-\(KloudBuster.version).qcow2 --name \(name)"
    }

    /// Authenticates both sides and checks roles, image, flavors, external network and quotas.
    ///
    /// - Throws: `OpenStackPlanError` or `OpenStackAPIError` saying what is missing and what to do.
    func preflight() async throws {
        let adminRole = configuration.openstack.keystoneAdminRole
        for side in OpenStackPlan.Side.allCases {
            let session = sides[side]!.session
            let token = try await session.currentToken()
            let admin = token.hasRole(adminRole)
            checked.isAdmin[side] = admin
            if !admin && reuse == nil {
                throw OpenStackPlanError(
                    "the \(side.rawValue) side's user \(token.userName) has no \(adminRole) role on project \(token.projectName ?? "?"), "
                        + "so it cannot create projects and users: give a tenants file (-t, KloudBuster's cfg.tenants.yaml) "
                        + "to reuse an existing project and users, or use admin credentials")
            }
            if !admin && placesOnHosts(side) {
                throw OpenStackPlanError(
                    "\(side.rawValue) VMs are to be placed on named hosts (availability_zone zone:host or a topology file), which Nova allows only to admins, "
                        + "and user \(token.userName) has no \(adminRole) role: drop the host part (keep the zone), or use admin credentials")
            }
            try await ComputeAPI(session: session).negotiateMicroversion()
        }
        progress("credentials: server side \(checked.isAdmin[.server]! ? "admin" : "member"), client side \(checked.isAdmin[.client]! ? "admin" : "member")")
        for side in OpenStackPlan.Side.allCases {
            checked.imageID[side] = try await findImage(side)
            checked.flavorID[side] = try await findFlavor(side)
            checked.externalNetworkID[side] = try await findExternalNetwork(side)
        }
        if reuse != nil { try await checkReusedQuotas() }
    }

    /// The image by name; uploaded from `vm_image_file` when missing.
    private func findImage(_ side: OpenStackPlan.Side) async throws -> String {
        let name = configuration.openstack.imageName ?? Self.defaultImageName
        let images = ImageAPI(session: sides[side]!.session)
        // The VMs boot in the run's own projects (admin) or in the reused one (member): the
        // operator's private image is usable only in the latter.
        let project = reuse == nil ? nil : try await sides[side]!.session.currentToken().projectID
        let found = try await images.images(named: name, usableBy: project)
        if let active = found.first(where: { $0.status == "active" }) { return active.id }
        guard let file = configuration.openstack.vmImageFile else {
            throw OpenStackPlanError(
                found.isEmpty
                    ? "the \(side.rawValue) cloud has no image named \(name): upload one with `\(Self.uploadCommand(name: name))` (make image builds it), or set image_name to an existing image"
                    : "image \(name) exists but is not active (\(found.map(\.status).joined(separator: ", "))): wait for it, or replace it with `\(Self.uploadCommand(name: name)) --force`")
        }
        // As `kloudbuster image upload` does it: checksummed, streamed, checked against Glance's
        // digests, deleted again on a failure. The run's new projects can boot a community
        // image; a reused project boots its own private one.
        progress("uploading \(file) as image \(name)")
        let request: ImageUploader.Request
        do {
            let imageFile = try ImageFile(path: file)
            request = .init(file: imageFile, name: name, diskFormat: try imageFile.format(requested: nil),
                            visibility: reuse == nil ? .community : .private)
        } catch {
            throw OpenStackPlanError("vm_image_file: \(error)")
        }
        do {
            switch try await ImageUploader(images: images, note: emit).upload(request) {
            case .alreadyPresent(let image): return image.id
            case .uploaded(let image, _, _, _): return image.id
            }
        } catch let error as ImageUploadError {
            throw OpenStackPlanError("uploading vm_image_file \(file) as image \(name) failed: \(error); "
                + "fix it with `\(Self.uploadCommand(name: name)) --force`, or set image_name to an existing image")
        }
    }

    /// An existing flavor with exactly the configured vCPUs, RAM and disk (and ephemeral, when
    /// given); nil when none fits and the side is admin (one is created with the tenants).
    private func findFlavor(_ side: OpenStackPlan.Side) async throws -> String? {
        let wanted = side == .server ? configuration.server.flavor : configuration.client.flavor
        let flavors = try await ComputeAPI(session: sides[side]!.session).flavors()
        let fits = flavors.filter { flavor in
            flavor["vcpus"]?.int == wanted.vcpus && flavor["ram"]?.int == wanted.ramMB && flavor["disk"]?.int == wanted.diskGB
                && (wanted.ephemeralGB == nil || flavor["OS-FLV-EXT-DATA:ephemeral"]?.int == wanted.ephemeralGB)
        }
        // Extra specs make a flavor the run's own: an existing one might lack them.
        if wanted.extraSpecs.isEmpty, let id = fits.compactMap({ $0["id"]?.string }).sorted().first { return id }
        if checked.isAdmin[side]! { return nil }
        let sizes = flavors.compactMap { flavor -> String? in
            guard let name = flavor["name"]?.string, let vcpus = flavor["vcpus"]?.int, let ram = flavor["ram"]?.int else { return nil }
            return "\(name) (\(vcpus) vCPU, \(ram) MB, \(flavor["disk"]?.int ?? 0) GB)"
        }
        throw OpenStackPlanError(
            "no flavor of the \(side.rawValue) cloud has \(wanted.vcpus) vCPU, \(wanted.ramMB) MB RAM and \(wanted.diskGB) GB disk"
                + (wanted.extraSpecs.isEmpty ? "" : " (and extra_specs are set, which need a flavor of the run's own)")
                + ", and only an admin can create one: set \(side.rawValue).flavor to one of: "
                + (sizes.isEmpty ? "(none visible)" : sizes.sorted().joined(separator: ", ")))
    }

    /// The external network routers get as gateway: `provider_network` when set, else the only
    /// (or first) `router:external` network; required when floating IPs are used.
    private func findExternalNetwork(_ side: OpenStackPlan.Side) async throws -> String? {
        let network = NetworkAPI(session: sides[side]!.session)
        let external = try await network.list(.network, ["router:external": "True"])
        let useFloating = side == .server ? configuration.server.useFloatingIP : configuration.client.useFloatingIP
        if let wanted = configuration.openstack.providerNetwork {
            guard let match = external.first(where: { $0["name"]?.string == wanted || $0["id"]?.string == wanted }) else {
                let names = external.compactMap { $0["name"]?.string }.sorted()
                throw OpenStackPlanError(
                    "provider_network \(wanted) is not an external network of the \(side.rawValue) cloud; external networks: "
                        + (names.isEmpty ? "none" : names.joined(separator: ", ")))
            }
            return match["id"]?.string
        }
        let first = external.compactMap { network -> (String, String)? in
            guard let id = network["id"]?.string else { return nil }
            return (network["name"]?.string ?? id, id)
        }.sorted { $0.0 < $1.0 }.first
        if useFloating && first == nil {
            throw OpenStackPlanError(
                "\(side.rawValue).use_floatingip is true but the \(side.rawValue) cloud has no external network: set use_floatingip to false or provider_network to a network with router:external")
        }
        return first?.1
    }

    /// In reuse mode nothing can be raised: the project must already have room for both sides.
    private func checkReusedQuotas() async throws {
        guard let reuse else { return }
        let session = sides[.server]!.session
        let token = try await session.currentToken()
        guard let projectID = token.projectID else { return }
        let vms = plan.vmCount(of: .server) + plan.vmCount(of: .client)
        let server = configuration.server.flavor
        let client = configuration.client.flavor
        var needs: [(String, Int, Int)] = []  // (what, needed, available)
        let limits = try await ComputeAPI(session: session).absoluteLimits()
        func room(_ max: String, _ used: String) -> Int {
            guard let limit = limits[max], limit >= 0 else { return Int.max }
            return limit - (limits[used] ?? 0)
        }
        needs.append(("instances (compute)", vms, room("maxTotalInstances", "totalInstancesUsed")))
        needs.append(("cores (compute)", plan.vmCount(of: .server) * server.vcpus + plan.vmCount(of: .client) * client.vcpus,
                      room("maxTotalCores", "totalCoresUsed")))
        needs.append(("ram MB (compute)", plan.vmCount(of: .server) * server.ramMB + plan.vmCount(of: .client) * client.ramMB,
                      room("maxTotalRAMSize", "totalRAMUsed")))
        let usage = try await NetworkAPI(session: session).quotaUsage(project: projectID)
        let networks = plan.tenants.flatMap(\.networks).count
        let floating = (configuration.server.useFloatingIP ? plan.vmCount(of: .server) : 0)
            + (configuration.client.useFloatingIP ? plan.vmCount(of: .client) : 0)
        let wanted: [(String, Int)] = [
            ("network", networks), ("subnet", networks), ("router", plan.tenants.flatMap(\.routers).count),
            ("port", vms + networks), ("security_group", plan.tenants.count),
            ("security_group_rule", plan.tenants.count * 2 + plan.clientCIDRs.count * plan.tenants(of: .server).count),
            ("floatingip", floating),
        ]
        for (name, count) in wanted where count > 0 {
            guard let entry = usage[name], entry.limit >= 0 else { continue }
            needs.append(("\(name) (network)", count, entry.limit - entry.used))
        }
        let short = needs.filter { $0.1 > $0.2 }
        guard short.isEmpty else {
            throw OpenStackPlanError(
                "project \(reuse.projectName) lacks quota for this run: "
                    + short.map { "\($0.0): needs \($0.1), \(max(0, $0.2)) free" }.joined(separator: "; ")
                    + "; ask an admin to raise it, free resources, or shrink the topology (vms_per_network, networks_per_router). Nothing was created.")
        }
        progress("quota of project \(reuse.projectName): room for \(vms) VM(s) and \(networks) network(s)")
    }
}
