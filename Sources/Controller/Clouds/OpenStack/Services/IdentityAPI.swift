import Foundation

/// Keystone's admin side, as the driver uses it: projects, users and role assignments for the
/// tenants a run creates.
public struct IdentityAPI: Sendable {
    /// The session the calls go through (an admin's, for anything but lookups).
    public let session: OpenStackSession

    /// Keystone through `session`.
    public init(session: OpenStackSession) {
        self.session = session
    }

    /// Creates a project in `domainID` and returns its id.
    public func createProject(name: String, domainID: String, description: String) async throws -> String {
        let reply = try await session.json(APIRequest(
            .identity, "POST", "projects",
            json: ["project": ["name": .of(name), "domain_id": .of(domainID), "description": .of(description), "enabled": true]],
            operation: "create project \(name)", expect: [201]))
        return try reply.requireString("project", "id")
    }

    /// The projects named `name` (in any domain the caller can see).
    public func projects(named name: String) async throws -> [(id: String, domainID: String)] {
        let reply = try await session.json(APIRequest(
            .identity, "GET", "projects", query: [URLQueryItem(name: "name", value: name)], operation: "find project \(name)"))
        return (reply["projects"]?.array ?? []).compactMap { project in
            guard let id = project["id"]?.string else { return nil }
            return (id, project["domain_id"]?.string ?? "")
        }
    }

    /// Every project the caller can list (admin: all), as (id, name).
    public func projects() async throws -> [(id: String, name: String)] {
        let reply = try await session.json(APIRequest(.identity, "GET", "projects", operation: "list projects"))
        return (reply["projects"]?.array ?? []).compactMap { project in
            guard let id = project["id"]?.string else { return nil }
            return (id, project["name"]?.string ?? "")
        }
    }

    /// Deletes a project; `false` when it was gone. Keystone does not delete what the project
    /// holds in other services: delete that first.
    @discardableResult
    public func deleteProject(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .identity, "DELETE", "projects/\(id)", operation: "delete project \(name) (\(id))", expect: [204, 404])).status == 204
    }

    /// Creates a user whose default project is `projectID`, and returns its id.
    public func createUser(name: String, password: String, projectID: String, domainID: String) async throws -> String {
        let reply = try await session.json(APIRequest(
            .identity, "POST", "users",
            json: ["user": ["name": .of(name), "password": .of(password), "default_project_id": .of(projectID),
                            "domain_id": .of(domainID), "enabled": true]],
            operation: "create user \(name)", expect: [201]))
        return try reply.requireString("user", "id")
    }

    /// The users named `name`.
    public func users(named name: String) async throws -> [String] {
        let reply = try await session.json(APIRequest(
            .identity, "GET", "users", query: [URLQueryItem(name: "name", value: name)], operation: "find user \(name)"))
        return (reply["users"]?.array ?? []).compactMap { $0["id"]?.string }
    }

    /// Every user the caller can list (admin: all), as (id, name).
    public func users() async throws -> [(id: String, name: String)] {
        let reply = try await session.json(APIRequest(.identity, "GET", "users", operation: "list users"))
        return (reply["users"]?.array ?? []).compactMap { user in
            guard let id = user["id"]?.string else { return nil }
            return (id, user["name"]?.string ?? "")
        }
    }

    /// Deletes a user; `false` when it was gone.
    @discardableResult
    public func deleteUser(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .identity, "DELETE", "users/\(id)", operation: "delete user \(name) (\(id))", expect: [204, 404])).status == 204
    }

    /// The id of the role named `name` (case-insensitive).
    public func roleID(named name: String) async throws -> String {
        let reply = try await session.json(APIRequest(.identity, "GET", "roles", operation: "list roles to find \(name)"))
        guard let id = (reply["roles"]?.array ?? []).first(where: { $0["name"]?.string?.lowercased() == name.lowercased() })?["id"]?.string else {
            throw OpenStackAPIError(operation: "find role \(name)", request: "GET roles", status: 200, kind: .notFound,
                                    detail: "Keystone has no role named \(name)",
                                    remedy: "create the role, or set keystone_admin_role / the member role to an existing one")
        }
        return id
    }

    /// Grants `roleID` to the user on the project.
    public func assignRole(_ roleID: String, user userID: String, project projectID: String, describing what: String) async throws {
        _ = try await session.send(APIRequest(
            .identity, "PUT", "projects/\(projectID)/users/\(userID)/roles/\(roleID)", operation: what, expect: [204, 201, 200]))
    }
}
