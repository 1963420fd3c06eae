import Foundation
import Proto

#if canImport(Glibc)
import Glibc
#endif

/// What an agent starts from: the JSON object `kb-agent run --userdata FILE` reads, as
/// cloud-init would deliver it on OpenStack (docs/run-protocol.md, "User data").
///
/// It holds the agent's CURVE secret key, so `write(to:)` creates the file with mode 0600 from
/// the first byte: a file created world-readable and chmod-ed afterwards leaks for a moment.
public struct AgentUserData: Codable, Sendable, Equatable {
    /// Where the controller listens.
    public struct Controller: Codable, Sendable, Equatable {
        /// The controller's PUB endpoint, e.g. `tcp://127.0.0.1:40001`.
        public var pubEndpoint: String
        /// The controller's ROUTER endpoint.
        public var routerEndpoint: String
        /// The controller's CURVE public key (Z85, 40 characters).
        public var serverPublicKey: String

        /// Creates the controller part.
        public init(pubEndpoint: String, routerEndpoint: String, serverPublicKey: String) {
            self.pubEndpoint = pubEndpoint
            self.routerEndpoint = routerEndpoint
            self.serverPublicKey = serverPublicKey
        }

        enum CodingKeys: String, CodingKey {
            case pubEndpoint = "pub_endpoint"
            case routerEndpoint = "router_endpoint"
            case serverPublicKey = "server_public_key"
        }
    }

    /// The agent's own CURVE key pair, as Z85 text.
    public struct Keys: Codable, Sendable, Equatable {
        /// The public key the controller admitted.
        public var `public`: String
        /// The secret key; nobody but the agent should read it.
        public var secret: String

        /// Creates the key part.
        public init(public: String, secret: String) {
            self.public = `public`
            self.secret = secret
        }
    }

    /// The run id.
    public var runID: String
    /// The agent id (`<run>-srv-<n>`, `<run>-cli-<n>`): also its DEALER identity and topic.
    public var agentID: String
    /// `http-server` or `http-client`.
    public var role: String
    /// The address the agent serves on or sends from.
    public var address: String
    /// Where the controller is.
    public var controller: Controller
    /// The agent's key pair.
    public var keys: Keys
    /// A folder the agent owns for its files (nginx's configuration and logs).
    public var workDirectory: String

    /// Creates user data.
    public init(
        runID: String, agentID: String, role: AgentRole, address: String, controller: Controller,
        keys: CurveKeyPair, workDirectory: String
    ) {
        self.runID = runID
        self.agentID = agentID
        self.role = role.rawValue
        self.address = address
        self.controller = controller
        self.keys = Keys(public: keys.publicKey, secret: keys.secretKey)
        self.workDirectory = workDirectory
    }

    enum CodingKeys: String, CodingKey {
        case role, address, controller, keys
        case runID = "run_id"
        case agentID = "agent_id"
        case workDirectory = "work_dir"
    }

    /// The JSON text, keys sorted so that files of two runs compare line by line.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The JSON text on one line (`kb-agent swarm` reads one object per line).
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the JSON to `url`, replacing an older file, readable by its owner only (0600).
    ///
    /// - Throws: `LocalCloudError` naming the file when it cannot be written.
    public func write(to url: URL) throws {
        try Self.writePrivately(try jsonData(), to: url)
    }

    /// Writes `data` (user data: it holds secret keys) to `url`, replacing an older file,
    /// readable by its owner only from the first byte.
    public static func writePrivately(_ data: Data, to url: URL) throws {
        // O_NOFOLLOW: a symlink planted in the run folder must not redirect a secret key.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LocalCloudError(
                operation: "write the user data \(url.path)", reason: String(cString: strerror(errno)),
                remedy: "check that the state directory is writable (--state-dir)")
        }
        defer { close(fd) }
        // An older file keeps its mode through O_TRUNC; make sure it is private too.
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return -1 }
                offset += count
            }
            return offset
        }
        guard written == data.count else {
            throw LocalCloudError(
                operation: "write the user data \(url.path)", reason: String(cString: strerror(errno)),
                remedy: "check the free space of the state directory")
        }
    }
}
