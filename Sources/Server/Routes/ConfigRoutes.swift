import Controller
import Foundation
import Hummingbird

/// `/v1/config/...`: the default configuration and validation as you type.
struct ConfigRoutes {
    /// The name a configuration sent in a request is known by in error messages.
    static let sourceName = "request"

    func register(on router: Router<ServerContext>) {
        router.get("/v1/config/default") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: DefaultConfiguration.yaml)))
        }
        router.post("/v1/config/validate") { request, context -> Response in
            let body = try await JSONBody.read(request, context: context, keys: ["config", "cloud"])
            let cloud = try Self.cloud(body)
            let text = try body.string("config") ?? ""
            return try JSONReply.ok(Self.validate(text, cloud: cloud))
        }
    }

    /// The cloud a request names (default local).
    static func cloud(_ body: JSONBody) throws -> Configuration.Cloud {
        guard let name = try body.string("cloud") else { return .local }
        guard let cloud = Configuration.Cloud(rawValue: name) else {
            throw APIError.invalid("unknown cloud \"\(name)\"; the clouds are local, qemu and openstack", field: "cloud")
        }
        return cloud
    }

    /// `{"valid", "errors": [{"line", "path", "message", "suggestion"}], "notes"}` for `text`.
    static func validate(_ text: String, cloud: Configuration.Cloud) -> [String: Any] {
        do {
            let configuration = try load(text)
            let capacity = TopologyCapacity.errors(configuration, cloud: cloud)
            return [
                "valid": capacity.isEmpty, "errors": capacity.map(describe),
                "notes": capacity.isEmpty ? configuration.notes(for: cloud) : [],
            ]
        } catch {
            return ["valid": false, "errors": error.errors.map(describe), "notes": [String]()]
        }
    }

    /// Loads `text` over the default.
    static func load(_ text: String) throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader().load(sources: [ConfigurationSource(name: sourceName, text: text)])
    }

    static func describe(_ error: ConfigurationError) -> [String: Any] {
        var entry: [String: Any] = ["line": error.line, "path": error.path, "message": error.message, "file": error.file]
        if let suggestion = error.suggestion { entry["suggestion"] = suggestion }
        return entry
    }
}

/// JSON responses.
enum JSONReply {
    /// `object` as a `200` (or `status`) JSON response.
    static func ok(_ object: Any, status: HTTPResponse.Status = .ok, audit: String? = nil) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers: HTTPFields = [.contentType: "application/json"]
        if let audit { headers[AccessPolicy.auditDetail] = audit }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An `Encodable` value as JSON.
    static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
