import Foundation

/// Deletes one kind of OpenStack resource from its ledger row alone: by its id when the row
/// has one, else (the controller died between the call and its reply) by its exact name, which
/// carries the run id. Every deletion is idempotent: a resource already gone is `alreadyGone`.
public struct OpenStackDeleter: ResourceDeleter {
    /// The kind it deletes.
    public let kind: ResourceKind
    /// The sessions of the clouds the run used, by the ledger's cloud name.
    public let sessions: [String: OpenStackSession]
    /// How long a deleted VM may take to disappear (its ports go with it, and networks
    /// cannot be deleted before).
    public let vmGoneTimeout: Duration
    /// How long after a row was recorded its creating call may still take effect (one request's
    /// timeout and some): a row without a cloud id is looked for by name until then.
    public let inFlightWindow: Duration

    /// The kinds the OpenStack driver creates.
    public static let kinds: [ResourceKind] = [.vm, .floatingIP, .routerInterface, .router, .network, .securityGroup, .keypair, .user, .tenant, .flavor]

    /// One deleter per kind over `sessions`.
    public static func all(sessions: [String: OpenStackSession], vmGoneTimeout: Duration = .seconds(120),
                           inFlightWindow: Duration = .seconds(75)) -> [OpenStackDeleter] {
        kinds.map { OpenStackDeleter(kind: $0, sessions: sessions, vmGoneTimeout: vmGoneTimeout, inFlightWindow: inFlightWindow) }
    }

    /// Deletes `resource`, or finds it gone.
    public func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        guard let session = sessions[resource.cloud] else {
            throw OpenStackPlanError(
                "\(resource.kind) \(resource.name) lives in cloud \(resource.cloud), for which no credentials were given: "
                    + "run cleanup with the same --rc/--os-cloud (and --testing-rc) as the run")
        }
        var ids = try await targets(resource, session: session)
        if ids.isEmpty, resource.externalID == nil {
            // The call that creates it was sent but never answered (the controller died): the
            // service may still be carrying it out. Look again until such a call is surely over.
            let settled = resource.createdAt.addingTimeInterval(inFlightWindow.inSeconds)
            while ids.isEmpty, Date() < settled {
                try await Task.sleep(for: .seconds(2))
                ids = try await targets(resource, session: session)
            }
        }
        guard !ids.isEmpty else { return .alreadyGone(resource.externalID == nil ? "never created (no \(resource.kind) named \(resource.name))" : "not found") }
        var deletedAny = false
        for id in ids {
            if try await deleteOne(id, resource: resource, session: session) { deletedAny = true }
        }
        return deletedAny ? .deleted : .alreadyGone("not found")
    }

    /// The ids to delete: the recorded one, and every resource with the row's exact name (a
    /// creation retried after a lost reply can have made two; the name carries the run id, so
    /// nothing else can match).
    private func targets(_ resource: ResourceRecord, session: OpenStackSession) async throws -> [String] {
        var ids = resource.externalID.map { [$0] } ?? []
        if resource.kind == .keypair, !ids.isEmpty { return ids }
        for id in try await named(resource, session: session) where !ids.contains(id) { ids.append(id) }
        return ids
    }

    private func named(_ resource: ResourceRecord, session: OpenStackSession) async throws -> [String] {
        let admin = try await session.currentToken().hasRole("admin")
        let network = NetworkAPI(session: session)
        switch resource.kind {
        case .vm:
            var query = [URLQueryItem(name: "name", value: "^\(resource.name)$")]
            if admin { query.append(URLQueryItem(name: "all_tenants", value: "1")) }
            let reply = try await session.json(APIRequest(.compute, "GET", "servers", query: query, operation: "find server \(resource.name)"))
            return (reply["servers"]?.array ?? []).compactMap { $0["id"]?.string }
        case .floatingIP:
            return try await network.list(.floatingIP, ["description": resource.name]).compactMap { $0["id"]?.string }
        case .router:
            return try await network.list(.router, ["name": resource.name]).compactMap { $0["id"]?.string }
        case .network:
            return try await network.list(.network, ["name": resource.name]).compactMap { $0["id"]?.string }
        case .securityGroup:
            return try await network.list(.securityGroup, ["name": resource.name]).compactMap { $0["id"]?.string }
        case .routerInterface:
            // `<base>-rR-nN-if`: router `<base>-rR`, subnet `<base>-rR-nN`.
            let subnetName = String(resource.name.dropLast(3))
            guard let cut = subnetName.range(of: "-n", options: .backwards) else { return [] }
            let routerName = String(subnetName[..<cut.lowerBound])
            let routers = try await network.list(.router, ["name": routerName]).compactMap { $0["id"]?.string }
            let subnets = try await network.list(.subnet, ["name": subnetName]).compactMap { $0["id"]?.string }
            return routers.flatMap { router in subnets.map { "\(router)/\($0)" } }
        case .keypair:
            return [resource.name]
        case .user:
            return try await IdentityAPI(session: session).users(named: resource.name)
        case .tenant:
            return try await IdentityAPI(session: session).projects(named: resource.name).map(\.id)
        case .flavor:
            return try await ComputeAPI(session: session).flavors().filter { $0["name"]?.string == resource.name }.compactMap { $0["id"]?.string }
        default:
            throw OpenStackPlanError("the OpenStack driver does not delete \(resource.kind) resources")
        }
    }

    /// Deletes one resource by id; `false` when it was gone.
    private func deleteOne(_ id: String, resource: ResourceRecord, session: OpenStackSession) async throws -> Bool {
        try await OpenStackRemover(session: session, vmGoneTimeout: vmGoneTimeout).remove(resource.kind, id: id, name: resource.name)
    }
}
