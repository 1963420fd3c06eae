import Foundation

/// Nova, as the driver uses it: servers, flavors, keypairs, limits and quotas, with the API
/// microversion negotiated once per session.
public struct ComputeAPI: Sendable {
    /// The newest microversion the driver was written against; a cloud offering less is used
    /// at its own maximum (nothing the driver needs is newer than 2.1 but `user_data` reads).
    public static let preferredMicroversion = (2, 79)

    /// The session the calls go through.
    public let session: OpenStackSession

    /// Nova through `session`.
    public init(session: OpenStackSession) {
        self.session = session
    }

    /// Asks Nova for its microversion range and uses min(its maximum, 2.79) from now on;
    /// returns the version chosen (nil for a Nova without microversions).
    @discardableResult
    public func negotiateMicroversion() async throws -> String? {
        let reply = try await session.json(APIRequest(.compute, "GET", "", operation: "read Nova's API versions"))
        guard let maximum = reply["version"]?["version"]?.string, !maximum.isEmpty else {
            await session.useComputeMicroversion(nil)
            return nil
        }
        let parts = maximum.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        let chosen = (parts[0], parts[1]) < Self.preferredMicroversion ? (parts[0], parts[1]) : Self.preferredMicroversion
        let text = "\(chosen.0).\(chosen.1)"
        await session.useComputeMicroversion(text)
        return text
    }

    /// Negotiates the microversion unless the session has one: at Nova's default 2.1 an admin's
    /// `?user_id=` on keypairs (2.10) is silently ignored, and the call acts on the admin's own.
    public func ensureMicroversion() async throws {
        if await session.computeMicroversion == nil { try await negotiateMicroversion() }
    }

    /// Boots a server and returns its id (it is BUILD until `server(id:)` says otherwise).
    public func createServer(_ fields: [String: JSONValue], describing name: String) async throws -> String {
        let reply = try await session.json(APIRequest(
            .compute, "POST", "servers", json: ["server": .object(fields)], operation: "boot server \(name)", expect: [202]))
        return try reply.requireString("server", "id")
    }

    /// The server's details; nil when it does not exist.
    public func server(id: String) async throws -> JSONValue? {
        let reply = try await session.send(APIRequest(
            .compute, "GET", "servers/\(id)", operation: "read server \(id)", expect: [200, 404]))
        return reply.status == 404 ? nil : reply.json["server"]
    }

    /// Servers of the session's project whose name matches the regular expression `name`.
    public func servers(matching name: String) async throws -> [JSONValue] {
        let reply = try await session.json(APIRequest(
            .compute, "GET", "servers", query: [URLQueryItem(name: "name", value: name)], operation: "list servers named \(name)"))
        return reply["servers"]?.array ?? []
    }

    /// The servers (`id`, `name`, and with `detailed` everything, `status` included) of project
    /// `projectID`: as admin through `all_tenants`, else the session's own project's.
    public func servers(inProject projectID: String, admin: Bool, detailed: Bool = false) async throws -> [JSONValue] {
        var query = [URLQueryItem(name: "project_id", value: projectID)]
        if admin { query.append(URLQueryItem(name: "all_tenants", value: "1")) }
        let reply = try await session.json(APIRequest(
            .compute, "GET", detailed ? "servers/detail" : "servers", query: query, operation: "list the servers of project \(projectID)"))
        return reply["servers"]?.array ?? []
    }

    /// Deletes a server; `false` when it was gone.
    @discardableResult
    public func deleteServer(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .compute, "DELETE", "servers/\(id)", operation: "delete server \(name) (\(id))", expect: [204, 404])).status == 204
    }

    /// Every flavor the project can use, with details.
    public func flavors() async throws -> [JSONValue] {
        let reply = try await session.json(APIRequest(
            .compute, "GET", "flavors/detail", query: [URLQueryItem(name: "is_public", value: "None")], operation: "list flavors"))
        return reply["flavors"]?.array ?? []
    }

    /// Creates a public flavor (admin only) and returns its id.
    public func createFlavor(name: String, vcpus: Int, ramMB: Int, diskGB: Int, ephemeralGB: Int) async throws -> String {
        let reply = try await session.json(APIRequest(
            .compute, "POST", "flavors",
            json: ["flavor": ["name": .of(name), "vcpus": .of(vcpus), "ram": .of(ramMB), "disk": .of(diskGB),
                              "OS-FLV-EXT-DATA:ephemeral": .of(ephemeralGB), "os-flavor-access:is_public": true]],
            operation: "create flavor \(name)", expect: [200]))
        return try reply.requireString("flavor", "id")
    }

    /// Sets a flavor's extra specs (admin only).
    public func setFlavorExtraSpecs(id: String, _ specs: [String: String], describing name: String) async throws {
        _ = try await session.send(APIRequest(
            .compute, "POST", "flavors/\(id)/os-extra_specs", json: ["extra_specs": .object(specs.mapValues { JSONValue.of($0) })],
            operation: "set the extra specs of flavor \(name)", expect: [200]))
    }

    /// Deletes a flavor; `false` when it was gone.
    @discardableResult
    public func deleteFlavor(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .compute, "DELETE", "flavors/\(id)", operation: "delete flavor \(name) (\(id))", expect: [202, 204, 404])).status != 404
    }

    /// Imports a public key as keypair `name` of the session's user.
    public func importKeypair(name: String, publicKey: String) async throws {
        _ = try await session.send(APIRequest(
            .compute, "POST", "os-keypairs", json: ["keypair": ["name": .of(name), "public_key": .of(publicKey)]],
            operation: "import keypair \(name)", expect: [200, 201]))
    }

    /// The names of the keypairs of `userID` (admin only), or of the session's user.
    public func keypairs(userID: String? = nil) async throws -> [String] {
        try await ensureMicroversion()
        let query = userID.map { [URLQueryItem(name: "user_id", value: $0)] } ?? []
        let reply = try await session.json(APIRequest(
            .compute, "GET", "os-keypairs", query: query, operation: "list the keypairs of user \(userID ?? "(self)")"))
        return (reply["keypairs"]?.array ?? []).compactMap { $0["keypair"]?["name"]?.string }
    }

    /// Deletes keypair `name`; `userID` (admin only) names another user's keypair.
    @discardableResult
    public func deleteKeypair(name: String, userID: String? = nil) async throws -> Bool {
        if userID != nil { try await ensureMicroversion() }
        let query = userID.map { [URLQueryItem(name: "user_id", value: $0)] } ?? []
        return try await session.send(APIRequest(
            .compute, "DELETE", "os-keypairs/\(name)", query: query, operation: "delete keypair \(name)",
            expect: [202, 204, 404])).status != 404
    }

    /// The project's absolute limits and usage (`GET /limits`): `maxTotalInstances`,
    /// `totalInstancesUsed`, `maxTotalCores`, `totalCoresUsed`, `maxTotalRAMSize`, `totalRAMUsed`.
    public func absoluteLimits() async throws -> [String: Int] {
        let reply = try await session.json(APIRequest(.compute, "GET", "limits", operation: "read the compute limits"))
        return (reply["limits"]?["absolute"]?.object ?? [:]).compactMapValues(\.int)
    }

    /// Sets quota values of a project (admin only).
    public func setQuota(project projectID: String, _ values: [String: Int]) async throws {
        _ = try await session.send(APIRequest(
            .compute, "PUT", "os-quota-sets/\(projectID)", json: ["quota_set": .object(values.mapValues { JSONValue.of($0) })],
            operation: "raise the compute quota of project \(projectID)", expect: [200]))
    }

    /// The names of the availability zones, and per zone the hosts (admin only for hosts).
    public func availabilityZones() async throws -> [String: [String]] {
        let reply = try await session.json(APIRequest(.compute, "GET", "os-availability-zone/detail", operation: "list availability zones"))
        var zones: [String: [String]] = [:]
        for zone in reply["availabilityZoneInfo"]?.array ?? [] {
            guard let name = zone["zoneName"]?.string else { continue }
            zones[name] = (zone["hosts"]?.object ?? [:]).keys.sorted()
        }
        return zones
    }
}
