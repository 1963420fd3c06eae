import Foundation

/// A config drive as Nova writes one: an ISO 9660 image labelled `config-2` holding
/// `openstack/latest/user_data` (the agent's JSON) and `openstack/latest/meta_data.json`. The
/// image's `kb-agent.service` reads it without cloud-init.
public struct ConfigDrive: Sendable {
    /// The volume label Nova uses and the image looks for.
    public static let label = "config-2"

    /// The agent's user data.
    public var userData: AgentUserData
    /// SSH public keys for root, by name (`public_key_file`), for debugging.
    public var publicKeys: [String: String]

    /// A drive for `userData`.
    public init(userData: AgentUserData, publicKeys: [String: String] = [:]) {
        self.userData = userData
        self.publicKeys = publicKeys
    }

    /// `meta_data.json`: the fields of Nova's that a guest reads.
    public func metaData() throws -> Data {
        struct Meta: Encodable {
            let uuid: String
            let name: String
            let hostname: String
            let launch_index: Int
            let availability_zone: String
            let public_keys: [String: String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Meta(
            uuid: UUID().uuidString.lowercased(), name: userData.agentID, hostname: userData.agentID,
            launch_index: 0, availability_zone: "qemu", public_keys: publicKeys))
    }

    /// Writes the drive to `iso`, building its tree in `staging` (removed afterwards: it holds
    /// the agent's secret key).
    ///
    /// - Throws: `QemuCloudError` naming the step that failed.
    public func write(to iso: URL, staging: URL) async throws {
        let latest = staging.appendingPathComponent("openstack/latest")
        defer { try? FileManager.default.removeItem(at: staging) }
        do {
            try FileManager.default.createDirectory(at: latest, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try userData.write(to: latest.appendingPathComponent("user_data"))
            try metaData().write(to: latest.appendingPathComponent("meta_data.json"))
        } catch {
            throw QemuCloudError(operation: "write the config drive of \(userData.agentID)", reason: "\(error)",
                                 remedy: "check that the state directory is writable (--state-dir)")
        }
        // An ISO holds no modes worth trusting: the file itself is private.
        let created = FileManager.default.createFile(atPath: iso.path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard created else {
            throw QemuCloudError(operation: "create \(iso.path)", reason: "the file could not be created",
                                 remedy: "check that the state directory is writable (--state-dir)")
        }
        do {
            try await HostCommand("genisoimage", ["-quiet", "-J", "-r", "-V", Self.label, "-o", iso.path, staging.path]).run()
        } catch {
            throw QemuCloudError(operation: "build the config drive of \(userData.agentID)", reason: "\(error)",
                                 remedy: "install genisoimage (scripts/deps.sh does)")
        }
    }
}
