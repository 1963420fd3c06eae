import Foundation
import Yams

/// KloudBuster's tenants file (`-t cfg.tenants.yaml`): run in an existing project with existing
/// users instead of creating them, so that a member (non-admin) user can run the test. Servers
/// and clients then share the one project, each side with its own user, and the topology has
/// one tenant per side whatever `server.number_tenants` says.
public struct TenantReuse: Sendable, Equatable {
    /// A user to authenticate as.
    public struct User: Sendable, Equatable {
        /// Its name (in the operator's user domain).
        public var name: String
        /// Its password.
        public var password: String
    }

    /// The project both sides use (`tenant_name`).
    public var projectName: String
    /// The user that stages the servers (`server_user`).
    public var serverUser: User
    /// The user that stages the clients (`client_user`).
    public var clientUser: User

    /// Reads a tenants file.
    ///
    /// - Throws: `OpenStackPlanError` naming the file and the missing key.
    public init(file path: String) throws {
        let root: Any?
        let text: String
        do throws(FileProblem) {
            text = try FileProblem.readText(path)
        } catch {
            throw OpenStackPlanError("tenants file \(path) cannot be read: \(error.reason)")
        }
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw OpenStackPlanError("tenants file \(path) cannot be read as YAML: \(error)")
        }
        guard let map = root as? [String: Any] else {
            throw OpenStackPlanError("tenants file \(path): expected keys tenant_name, server_user and client_user")
        }
        func user(_ key: String) throws -> User {
            guard let entry = map[key] as? [String: Any], let name = entry["username"].map({ "\($0)" }),
                  let password = entry["password"].map({ "\($0)" }), !name.isEmpty
            else {
                throw OpenStackPlanError("tenants file \(path): \(key) needs username and password")
            }
            return User(name: name, password: password)
        }
        guard let project = map["tenant_name"].map({ "\($0)" }), !project.isEmpty else {
            throw OpenStackPlanError("tenants file \(path): tenant_name is missing")
        }
        projectName = project
        serverUser = try user("server_user")
        clientUser = try user("client_user")
    }

    /// The user of `side`.
    public func user(of side: OpenStackPlan.Side) -> User {
        side == .server ? serverUser : clientUser
    }

    /// The credentials of `side`'s user in the project, on the cloud (and in the domains) of
    /// `operatorCredentials`.
    public func credentials(of side: OpenStackPlan.Side, operator operatorCredentials: OpenStackCredentials) throws -> OpenStackCredentials {
        let user = user(of: side)
        return try OpenStackCredentials(
            authURL: operatorCredentials.authURL, username: user.name, userID: nil,
            userDomainName: operatorCredentials.userDomainName, userDomainID: operatorCredentials.userDomainID,
            secret: .password(user.password), projectName: projectName, projectID: nil,
            projectDomainName: operatorCredentials.projectDomainName, projectDomainID: operatorCredentials.projectDomainID,
            regionName: operatorCredentials.regionName, interface: operatorCredentials.interface,
            caCertFile: operatorCredentials.caCertFile, source: "tenants file user \(user.name)", cloudName: operatorCredentials.cloudName)
    }
}
