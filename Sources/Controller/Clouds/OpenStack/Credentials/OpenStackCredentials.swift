import Foundation

/// Who the driver is on an OpenStack cloud, and where that cloud's Keystone is: what an openrc
/// file, the `OS_*` environment or a `clouds.yaml` entry says.
///
/// Password authentication needs a user (name and domain, or id) and a project to scope to;
/// an application credential carries its own user and project.
public struct OpenStackCredentials: Sendable, Equatable {
    /// How the user proves who it is.
    public enum Secret: Sendable, Equatable {
        /// A user name or id with its password.
        case password(String)
        /// An application credential (id, or name with the user), with its secret.
        case applicationCredential(id: String?, name: String?, secret: String)
    }

    /// Keystone's v3 URL, e.g. `http://127.0.0.1:5000/v3`.
    public var authURL: URL
    /// The user's name (`OS_USERNAME`).
    public var username: String?
    /// The user's id (`OS_USER_ID`).
    public var userID: String?
    /// The user's domain name (`OS_USER_DOMAIN_NAME`), `Default` when nothing says otherwise.
    public var userDomainName: String?
    /// The user's domain id (`OS_USER_DOMAIN_ID`).
    public var userDomainID: String?
    /// The password or the application credential.
    public var secret: Secret
    /// The project to scope to (`OS_PROJECT_NAME`, or `OS_TENANT_NAME`).
    public var projectName: String?
    /// The project's id (`OS_PROJECT_ID`).
    public var projectID: String?
    /// The project's domain name (`OS_PROJECT_DOMAIN_NAME`).
    public var projectDomainName: String?
    /// The project's domain id (`OS_PROJECT_DOMAIN_ID`).
    public var projectDomainID: String?
    /// The region whose endpoints to use (`OS_REGION_NAME`); nil = the first one listed.
    public var regionName: String?
    /// The catalog interface (`OS_INTERFACE`): `public`, `internal` or `admin`.
    public var interface: String
    /// A CA bundle for TLS endpoints (`OS_CACERT`).
    public var caCertFile: String?
    /// Where these came from, for messages: `the environment`, `openrc file x`, `clouds.yaml cloud y`.
    public var source: String
    /// The cloud's name in the ledger and the results (`openstack`, or the clouds.yaml name).
    public var cloudName: String

    /// The domain used when neither a name nor an id is given, as the OpenStack clients do.
    public static let defaultDomain = "Default"

    /// Reads `OS_*` variables (from the environment or an openrc file).
    ///
    /// - Throws: `OpenStackCredentialError` naming the missing or invalid variable.
    public init(variables: [String: String], source: String, cloudName: String = "openstack") throws {
        func value(_ names: String...) -> String? {
            for name in names {
                if let text = variables[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return text }
            }
            return nil
        }
        guard let url = value("OS_AUTH_URL") else {
            throw OpenStackCredentialError(source: source, problem: "OS_AUTH_URL is not set",
                                           remedy: "source your openrc file, give --rc FILE or --os-cloud NAME")
        }
        let secret: Secret
        let authType = value("OS_AUTH_TYPE")?.lowercased()
        if authType == "v3applicationcredential" || value("OS_APPLICATION_CREDENTIAL_SECRET") != nil {
            guard let appSecret = value("OS_APPLICATION_CREDENTIAL_SECRET") else {
                throw OpenStackCredentialError(source: source, problem: "OS_AUTH_TYPE is v3applicationcredential but OS_APPLICATION_CREDENTIAL_SECRET is not set",
                                               remedy: "set the application credential's secret")
            }
            let id = value("OS_APPLICATION_CREDENTIAL_ID")
            let name = value("OS_APPLICATION_CREDENTIAL_NAME")
            guard id != nil || name != nil else {
                throw OpenStackCredentialError(source: source, problem: "neither OS_APPLICATION_CREDENTIAL_ID nor OS_APPLICATION_CREDENTIAL_NAME is set",
                                               remedy: "set the application credential's id")
            }
            secret = .applicationCredential(id: id, name: name, secret: appSecret)
        } else {
            guard let password = value("OS_PASSWORD") else {
                throw OpenStackCredentialError(source: source, problem: "OS_PASSWORD is not set",
                                               remedy: "export OS_PASSWORD (openrc files that prompt for it leave it unset until sourced in a shell)")
            }
            secret = .password(password)
        }
        try self.init(
            authURL: Self.normalizedAuthURL(url, source: source), username: value("OS_USERNAME"), userID: value("OS_USER_ID"),
            userDomainName: value("OS_USER_DOMAIN_NAME"), userDomainID: value("OS_USER_DOMAIN_ID"), secret: secret,
            projectName: value("OS_PROJECT_NAME", "OS_TENANT_NAME"), projectID: value("OS_PROJECT_ID", "OS_TENANT_ID"),
            projectDomainName: value("OS_PROJECT_DOMAIN_NAME"), projectDomainID: value("OS_PROJECT_DOMAIN_ID"),
            regionName: value("OS_REGION_NAME"), interface: value("OS_INTERFACE", "OS_ENDPOINT_TYPE"),
            caCertFile: value("OS_CACERT"), source: source, cloudName: cloudName)
    }

    /// Creates credentials, checking that they are complete.
    public init(
        authURL: URL, username: String?, userID: String?, userDomainName: String?, userDomainID: String?, secret: Secret,
        projectName: String?, projectID: String?, projectDomainName: String?, projectDomainID: String?,
        regionName: String?, interface: String?, caCertFile: String?, source: String, cloudName: String
    ) throws {
        self.authURL = authURL
        self.username = username
        self.userID = userID
        self.userDomainName = userDomainName
        self.userDomainID = userDomainID
        self.secret = secret
        self.projectName = projectName
        self.projectID = projectID
        self.projectDomainName = projectDomainName
        self.projectDomainID = projectDomainID
        self.regionName = regionName
        // python-openstackclient accepts `publicURL` style names too.
        let face = (interface ?? "public").lowercased().replacingOccurrences(of: "url", with: "")
        guard ["public", "internal", "admin"].contains(face) else {
            throw OpenStackCredentialError(source: source, problem: "OS_INTERFACE is \"\(interface ?? "")\"",
                                           remedy: "use public, internal or admin")
        }
        self.interface = face
        self.caCertFile = caCertFile
        self.source = source
        self.cloudName = cloudName
        if case .password = secret {
            guard username != nil || userID != nil else {
                throw OpenStackCredentialError(source: source, problem: "neither OS_USERNAME nor OS_USER_ID is set",
                                               remedy: "set the user to authenticate as")
            }
            guard projectName != nil || projectID != nil else {
                throw OpenStackCredentialError(source: source, problem: "neither OS_PROJECT_NAME nor OS_PROJECT_ID is set",
                                               remedy: "set the project to work in (KloudBuster needs a project-scoped token)")
            }
        }
        if let caCertFile, !FileManager.default.isReadableFile(atPath: caCertFile) {
            throw OpenStackCredentialError(source: source, problem: "OS_CACERT \(caCertFile) cannot be read",
                                           remedy: "point OS_CACERT at the cloud's CA bundle (PEM)")
        }
    }

    /// `http://host:5000` → `http://host:5000/v3`; a v2.0 URL is refused (Keystone v2 is gone).
    static func normalizedAuthURL(_ text: String, source: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil
        else {
            throw OpenStackCredentialError(source: source, problem: "OS_AUTH_URL \"\(text)\" is not an http(s) URL",
                                           remedy: "use Keystone's URL, e.g. https://keystone.example.com:5000/v3")
        }
        if trimmed.hasSuffix("/v2.0") {
            throw OpenStackCredentialError(source: source, problem: "OS_AUTH_URL \(text) is Keystone v2.0",
                                           remedy: "use the v3 URL (…/v3); Keystone v2.0 is not supported")
        }
        if trimmed.hasSuffix("/v3") { return url }
        return url.appendingPathComponent("v3")
    }
}

/// Credentials that are missing something or cannot be read.
public struct OpenStackCredentialError: Error, CustomStringConvertible, Sendable {
    /// Where the credentials came from.
    public let source: String
    /// What is wrong.
    public let problem: String
    /// What to do.
    public let remedy: String
    /// The request key at fault, for credentials given to the server (`openstack.auth.x`).
    public var field: String?

    /// One line for the user.
    public var description: String { "OpenStack credentials from \(source): \(problem); \(remedy)" }
}
