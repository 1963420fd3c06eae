#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto
#if canImport(Glibc)
import Glibc
#endif

/// What an agent needs to join its run (docs/run-protocol.md "User data"): who it is, where the
/// controller is and the CURVE keys to prove both. cloud-init delivers it as one JSON object;
/// `kb-agent run` reads it from `--userdata FILE` and lets options override single values.
///
/// Everything is checked here, before any socket is made, so that a bad file fails in one line
/// naming the key instead of as a silent handshake failure a minute later.
public struct UserData: Sendable, Equatable {
    /// The run this agent belongs to; envelopes of other runs are dropped.
    public let runID: String
    /// The agent's id, also its DEALER routing identity and its own command topic.
    public let agentID: String
    /// What the agent does.
    public let role: AgentRole
    /// The numeric address the agent serves on (server) or sends from (client).
    public let address: String
    /// The controller's PUB endpoint, e.g. `tcp://127.0.0.1:40001`.
    public let pubEndpoint: String
    /// The controller's ROUTER endpoint.
    public let routerEndpoint: String
    /// The controller's CURVE public key (Z85).
    public let serverPublicKey: String
    /// This agent's CURVE key pair, checked to belong together.
    public let keys: CurveKeyPair
    /// Folder for the agent's files (nginx configuration, page and logs).
    public let workDir: String

    /// The raw values, every one optional, as the JSON file or the options give them.
    public struct Fields: Sendable, Equatable, Decodable {
        /// `run_id`.
        public var runID: String?
        /// `agent_id`.
        public var agentID: String?
        /// `role`.
        public var role: String?
        /// `address`.
        public var address: String?
        /// `controller`.
        public var controller: Controller?
        /// `keys`.
        public var keys: Keys?
        /// `work_dir`.
        public var workDir: String?

        /// The `controller` object.
        public struct Controller: Sendable, Equatable, Decodable {
            /// `controller.pub_endpoint`.
            public var pubEndpoint: String?
            /// `controller.router_endpoint`.
            public var routerEndpoint: String?
            /// `controller.server_public_key`.
            public var serverPublicKey: String?

            /// Empty values.
            public init(pubEndpoint: String? = nil, routerEndpoint: String? = nil, serverPublicKey: String? = nil) {
                self.pubEndpoint = pubEndpoint
                self.routerEndpoint = routerEndpoint
                self.serverPublicKey = serverPublicKey
            }

            enum CodingKeys: String, CodingKey {
                case pubEndpoint = "pub_endpoint", routerEndpoint = "router_endpoint"
                case serverPublicKey = "server_public_key"
            }
        }

        /// The `keys` object.
        public struct Keys: Sendable, Equatable, Decodable {
            /// `keys.public`.
            public var publicKey: String?
            /// `keys.secret`.
            public var secretKey: String?

            /// Empty values.
            public init(publicKey: String? = nil, secretKey: String? = nil) {
                self.publicKey = publicKey
                self.secretKey = secretKey
            }

            enum CodingKeys: String, CodingKey {
                case publicKey = "public", secretKey = "secret"
            }
        }

        /// No values.
        public init() {}

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", agentID = "agent_id", role, address, controller, keys
            case workDir = "work_dir"
        }

        /// `self` with every value that `overrides` has replaced by it.
        public func overridden(by overrides: Fields) -> Fields {
            var merged = self
            merged.runID = overrides.runID ?? runID
            merged.agentID = overrides.agentID ?? agentID
            merged.role = overrides.role ?? role
            merged.address = overrides.address ?? address
            merged.workDir = overrides.workDir ?? workDir
            var controller = self.controller ?? Controller()
            controller.pubEndpoint = overrides.controller?.pubEndpoint ?? controller.pubEndpoint
            controller.routerEndpoint = overrides.controller?.routerEndpoint ?? controller.routerEndpoint
            controller.serverPublicKey = overrides.controller?.serverPublicKey ?? controller.serverPublicKey
            merged.controller = controller
            var keys = self.keys ?? Keys()
            keys.publicKey = overrides.keys?.publicKey ?? keys.publicKey
            keys.secretKey = overrides.keys?.secretKey ?? keys.secretKey
            merged.keys = keys
            return merged
        }
    }

    /// Parses one JSON object; `source` names it in errors (a file path, or "options").
    public static func fields(json bytes: [UInt8], source: String) throws(UserDataError) -> Fields {
        do {
            return try JSONDecoder().decode(Fields.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw UserDataError(decoding: error, source: source)
        } catch {
            throw UserDataError(source: source, key: nil, problem: "cannot be read as JSON (\(error))")
        }
    }

    /// Reads and parses the file at `path`.
    public static func fields(file path: String) throws(UserDataError) -> Fields {
        let bytes: [UInt8]
        do {
            bytes = try PlainFile.read(path)
        } catch {
            let reason = PlainFile.words(for: error.code, operation: error.operation)
            throw UserDataError(
                source: path, key: nil,
                problem: "cannot be read (\(reason)); give the path of the JSON file the controller wrote")
        }
        return try fields(json: bytes, source: path)
    }

    /// Checks every value of `fields` (a missing one included) and builds the user data.
    public init(_ fields: Fields, source: String) throws(UserDataError) {
        func fail(_ key: String, _ problem: String) -> UserDataError {
            UserDataError(source: source, key: key, problem: problem)
        }
        func required(_ value: String?, _ key: String) throws(UserDataError) -> String {
            guard let value, !value.isEmpty else {
                throw fail(key, "is missing; the controller writes it, or give it with --\(key.split(separator: ".").last!.replacing("_", with: "-"))")
            }
            return value
        }
        runID = try required(fields.runID, "run_id")
        agentID = try required(fields.agentID, "agent_id")
        guard agentID.utf8.count <= 255, agentID.utf8.first != 0 else {
            throw fail("agent_id", "must be 1 to 255 bytes and not start with a zero byte (it is the ZeroMQ routing identity)")
        }
        let roleText = try required(fields.role, "role")
        guard let role = AgentRole(rawValue: roleText) else {
            throw fail("role", "is \"\(roleText)\"; this agent plays \"http-server\", \"http-client\" or \"amphora\"")
        }
        self.role = role
        address = try required(fields.address, "address")
        guard SourceAddresses.isNumericAddress(address) else {
            throw fail("address", "is \"\(address)\", not a numeric IPv4 or IPv6 address; give one like 127.0.1.2")
        }
        pubEndpoint = try Self.endpoint(required(fields.controller?.pubEndpoint, "controller.pub_endpoint"), "controller.pub_endpoint", fail)
        routerEndpoint = try Self.endpoint(required(fields.controller?.routerEndpoint, "controller.router_endpoint"), "controller.router_endpoint", fail)
        serverPublicKey = try required(fields.controller?.serverPublicKey, "controller.server_public_key")
        if let problem = Self.keyProblem(serverPublicKey) {
            throw fail("controller.server_public_key", problem)
        }
        let publicKey = try required(fields.keys?.publicKey, "keys.public")
        let secretKey = try required(fields.keys?.secretKey, "keys.secret")
        if let problem = Self.keyProblem(publicKey) { throw fail("keys.public", problem) }
        if let problem = Self.keyProblem(secretKey) { throw fail("keys.secret", problem) }
        do {
            keys = try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
        } catch {
            throw fail("keys", "\(error)")
        }
        workDir = try required(fields.workDir, "work_dir")
        guard workDir.hasPrefix("/") else {
            throw fail("work_dir", "is \"\(workDir)\"; give an absolute path")
        }
    }

    /// The topics the agent subscribes to: everyone's, its role's and its own.
    public var topics: [String] { [Kb_V1_Command.topicAll, role.rawValue, agentID] }

    private static func endpoint(
        _ text: String, _ key: String, _ fail: (String, String) -> UserDataError
    ) throws(UserDataError) -> String {
        guard let scheme = text.firstRange(of: "://"), scheme.lowerBound != text.startIndex,
              scheme.upperBound != text.endIndex else {
            throw fail(key, "is \"\(text)\", not a ZeroMQ endpoint; give one like tcp://127.0.0.1:40001")
        }
        return text
    }

    /// Why `key` cannot be a Z85 CURVE key, or nil. The link checks keys too, but only here can
    /// the message name the key.
    private static func keyProblem(_ key: String) -> String? {
        guard key.utf8.count == CurveKeyPair.keyLength else {
            return "has \(key.utf8.count) characters; a CURVE key is \(CurveKeyPair.keyLength) Z85 characters (check for a truncated copy or stray white space)"
        }
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
        guard key.utf8.allSatisfy(alphabet.contains) else {
            return "is not Z85 text (ZeroMQ RFC 32 alphabet); copy the key the controller wrote"
        }
        return nil
    }
}
