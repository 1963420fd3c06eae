import Foundation

extension OpenStackCredentials {
    /// The keys a request's `openstack` object may have: a clouds.yaml entry's.
    public static let requestKeys: Set<String> = ["auth", "auth_type", "region_name", "interface", "cacert"]
    /// The keys of its `auth` object.
    public static let requestAuthKeys: Set<String> = [
        "auth_url", "username", "user_id", "password", "project_name", "project_id", "tenant_name",
        "user_domain_name", "user_domain_id", "project_domain_name", "project_domain_id", "domain_name",
        "application_credential_id", "application_credential_name", "application_credential_secret",
    ]

    /// Checks the keys and types of a request's `openstack` object (what its schema says),
    /// without reading the credentials: a cleanup that needs none still refuses a malformed one.
    ///
    /// - Throws: `OpenStackCredentialError` whose `field` names the key.
    public static func checkRequestShape(_ entry: [String: Any]) throws {
        let source = "the request's openstack credentials"
        func refuse(_ key: String, _ problem: String, _ remedy: String) -> OpenStackCredentialError {
            var error = OpenStackCredentialError(source: source, problem: problem, remedy: remedy)
            error.field = key
            return error
        }
        if let unknown = Set(entry.keys).subtracting(requestKeys).sorted().first {
            throw refuse("openstack.\(unknown)", "unknown key \"\(unknown)\"", "the keys are: \(requestKeys.sorted().joined(separator: ", "))")
        }
        guard let auth = entry["auth"] as? [String: Any] else {
            throw refuse("openstack.auth", "no auth object", "give \"auth\": {\"auth_url\", \"username\", \"password\", \"project_name\", ...}")
        }
        if let unknown = Set(auth.keys).subtracting(requestAuthKeys).sorted().first {
            throw refuse("openstack.auth.\(unknown)", "unknown key \"\(unknown)\"", "the keys are: \(requestAuthKeys.sorted().joined(separator: ", "))")
        }
        for (key, value) in auth where !(value is String) {
            throw refuse("openstack.auth.\(key)", "\(key) must be a string (got \(type(of: value)))", "quote it")
        }
        for key in requestKeys.subtracting(["auth"]) where entry[key] != nil && !(entry[key] is String) {
            throw refuse("openstack.\(key)", "\(key) must be a string", "quote it")
        }
        if let interface = entry["interface"] as? String, !["public", "internal", "admin"].contains(interface) {
            throw refuse("openstack.interface", "interface is \"\(interface)\"", "use public, internal or admin")
        }
    }

    /// Credentials given with a request to the server (`"openstack": {"auth": {...}, ...}`, a
    /// clouds.yaml entry as JSON), so that a client drives a cloud the server has no file for.
    /// They are used for the run and never stored; the ledger names the cloud `openstack`.
    ///
    /// - Throws: `OpenStackCredentialError` whose `field` names the key (`openstack.auth.x`).
    public static func fromRequest(_ entry: [String: Any]) throws -> OpenStackCredentials {
        try checkRequestShape(entry)
        do {
            return try fromCloudEntry(entry, name: "openstack", source: "the request's openstack credentials")
        } catch var error as OpenStackCredentialError {
            // The problem names the OS_* variable; the request knows its key.
            let variable = error.problem.split(separator: " ").first { $0.hasPrefix("OS_") }.map(String.init)
            error.field = variable.flatMap(requestKey(of:)) ?? "openstack.auth"
            throw error
        }
    }

    /// The request key of an `OS_*` variable.
    static func requestKey(of variable: String) -> String? {
        switch variable {
        case "OS_REGION_NAME": "openstack.region_name"
        case "OS_INTERFACE": "openstack.interface"
        case "OS_CACERT": "openstack.cacert"
        case "OS_AUTH_TYPE": "openstack.auth_type"
        default: requestAuthKeys.contains(variable.dropFirst(3).lowercased()) ? "openstack.auth.\(variable.dropFirst(3).lowercased())" : nil
        }
    }
}
