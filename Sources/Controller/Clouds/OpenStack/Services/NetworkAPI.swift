import Foundation

/// Neutron, as the driver uses it: networks, subnets, routers and their interfaces, security
/// groups and rules, ports, floating IPs and quotas.
public struct NetworkAPI: Sendable {
    /// The Neutron resources the driver creates, with their collection path and JSON key.
    public enum Resource: String, Sendable, CaseIterable {
        /// A network.
        case network
        /// A subnet.
        case subnet
        /// A router.
        case router
        /// A security group.
        case securityGroup = "security_group"
        /// A rule of a security group.
        case securityGroupRule = "security_group_rule"
        /// A port.
        case port
        /// A floating IP.
        case floatingIP = "floatingip"

        /// `networks`, `security-groups`, ...
        var collection: String {
            switch self {
            case .securityGroup: return "security-groups"
            case .securityGroupRule: return "security-group-rules"
            default: return rawValue + "s"
            }
        }

        /// The JSON key of a list reply.
        var pluralKey: String { rawValue + "s" }

        /// The name in messages: `security group`.
        var noun: String {
            switch self {
            case .securityGroup: return "security group"
            case .securityGroupRule: return "security group rule"
            case .floatingIP: return "floating IP"
            default: return rawValue
            }
        }
    }

    /// The session the calls go through.
    public let session: OpenStackSession

    /// Neutron through `session`.
    public init(session: OpenStackSession) {
        self.session = session
    }

    /// Creates a resource from `fields` and returns Neutron's object (with its `id`).
    public func create(_ resource: Resource, _ fields: [String: JSONValue], describing name: String) async throws -> JSONValue {
        let reply = try await session.json(APIRequest(
            .network, "POST", resource.collection, json: [resource.rawValue: .object(fields)],
            operation: "create \(resource.noun) \(name)", expect: [201]))
        return try reply.require(resource.rawValue)
    }

    /// Deletes a resource; `false` when it was already gone.
    @discardableResult
    public func delete(_ resource: Resource, id: String, describing name: String) async throws -> Bool {
        let reply = try await session.send(APIRequest(
            .network, "DELETE", "\(resource.collection)/\(id)", operation: "delete \(resource.noun) \(name) (\(id))",
            expect: [204, 404]))
        return reply.status == 204
    }

    /// Lists resources matching `filters` (Neutron filters by exact field values).
    public func list(_ resource: Resource, _ filters: [String: String] = [:]) async throws -> [JSONValue] {
        let query = filters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        let description = filters.isEmpty ? "" : " where " + filters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        let reply = try await session.json(APIRequest(
            .network, "GET", resource.collection, query: query, operation: "list \(resource.noun)s\(description)"))
        return reply[resource.pluralKey]?.array ?? []
    }

    /// One resource; nil when it does not exist.
    public func show(_ resource: Resource, id: String) async throws -> JSONValue? {
        let reply = try await session.send(APIRequest(
            .network, "GET", "\(resource.collection)/\(id)", operation: "show \(resource.noun) \(id)", expect: [200, 404]))
        return reply.status == 404 ? nil : reply.json[resource.rawValue]
    }

    /// Updates fields of a resource.
    public func update(_ resource: Resource, id: String, _ fields: [String: JSONValue], describing what: String) async throws {
        _ = try await session.send(APIRequest(
            .network, "PUT", "\(resource.collection)/\(id)", json: [resource.rawValue: .object(fields)],
            operation: what, expect: [200]))
    }

    /// Attaches `subnetID` to `routerID`.
    public func addRouterInterface(router routerID: String, subnet subnetID: String, describing what: String) async throws {
        _ = try await session.send(APIRequest(
            .network, "PUT", "routers/\(routerID)/add_router_interface", json: ["subnet_id": .of(subnetID)],
            operation: what, expect: [200]))
    }

    /// Detaches `subnetID` from `routerID`; `false` when it was not attached (or either is gone).
    @discardableResult
    public func removeRouterInterface(router routerID: String, subnet subnetID: String, describing what: String) async throws -> Bool {
        let reply = try await session.send(APIRequest(
            .network, "PUT", "routers/\(routerID)/remove_router_interface", json: ["subnet_id": .of(subnetID)],
            operation: what, expect: [200, 404]))
        return reply.status == 200
    }

    /// Detaches the interface port `portID` from `routerID`; `false` when it was not attached.
    @discardableResult
    public func removeRouterInterface(router routerID: String, port portID: String, describing what: String) async throws -> Bool {
        let reply = try await session.send(APIRequest(
            .network, "PUT", "routers/\(routerID)/remove_router_interface", json: ["port_id": .of(portID)],
            operation: what, expect: [200, 404]))
        return reply.status == 200
    }

    /// The project's quota and usage (`GET /quotas/{project}/details`): name → (limit, used);
    /// a limit of -1 means unlimited.
    public func quotaUsage(project projectID: String) async throws -> [String: (limit: Int, used: Int)] {
        let reply = try await session.json(APIRequest(
            .network, "GET", "quotas/\(projectID)/details", operation: "read the network quota of project \(projectID)"))
        var usage: [String: (limit: Int, used: Int)] = [:]
        for (name, value) in reply["quota"]?.object ?? [:] {
            usage[name] = (value["limit"]?.int ?? -1, (value["used"]?.int ?? 0) + (value["reserved"]?.int ?? 0))
        }
        return usage
    }

    /// Sets quota values of a project (admin only).
    public func setQuota(project projectID: String, _ values: [String: Int]) async throws {
        _ = try await session.send(APIRequest(
            .network, "PUT", "quotas/\(projectID)", json: ["quota": .object(values.mapValues { JSONValue.of($0) })],
            operation: "raise the network quota of project \(projectID)", expect: [200]))
    }
}
