import Foundation

/// A Keystone v3 token with what came with it: who, which project, which roles, and the
/// service catalog.
public struct KeystoneToken: Sendable {
    /// One endpoint of the catalog.
    public struct Endpoint: Sendable, Equatable {
        /// The service type (`compute`, `network`, ...).
        public var serviceType: String
        /// `public`, `internal` or `admin`.
        public var interface: String
        /// The region id, if any.
        public var region: String?
        /// The URL.
        public var url: URL
    }

    /// The token itself (`X-Subject-Token`).
    public let value: String
    /// When it stops working.
    public let expiresAt: Date
    /// The user's id.
    public let userID: String
    /// The user's name.
    public let userName: String
    /// The project the token is scoped to.
    public let projectID: String?
    /// Its name.
    public let projectName: String?
    /// The project's domain id.
    public let projectDomainID: String?
    /// The roles the user holds on that project, lowercased.
    public let roles: Set<String>
    /// Every endpoint of the catalog.
    public let endpoints: [Endpoint]

    /// Parses Keystone's reply to `POST /v3/auth/tokens`.
    init(reply: APIReply, operation: String, request: String) throws {
        func malformed(_ what: String) -> OpenStackAPIError {
            OpenStackAPIError(operation: operation, request: request, status: reply.status, kind: .malformedReply, detail: what)
        }
        guard let value = reply.headers["x-subject-token"] else { throw malformed("no X-Subject-Token header") }
        let token = reply.json["token"] ?? .null
        guard let expires = token["expires_at"]?.string, let expiresAt = Self.parseDate(expires) else {
            throw malformed("no token.expires_at")
        }
        self.value = value
        self.expiresAt = expiresAt
        userID = token["user"]?["id"]?.string ?? ""
        userName = token["user"]?["name"]?.string ?? ""
        projectID = token["project"]?["id"]?.string
        projectName = token["project"]?["name"]?.string
        projectDomainID = token["project"]?["domain"]?["id"]?.string
        roles = Set((token["roles"]?.array ?? []).compactMap { $0["name"]?.string?.lowercased() })
        var endpoints: [Endpoint] = []
        for service in token["catalog"]?.array ?? [] {
            guard let type = service["type"]?.string else { continue }
            for endpoint in service["endpoints"]?.array ?? [] {
                guard let text = endpoint["url"]?.string, let url = URL(string: text) else { continue }
                endpoints.append(Endpoint(
                    serviceType: type, interface: endpoint["interface"]?.string ?? "public",
                    region: endpoint["region_id"]?.string ?? endpoint["region"]?.string, url: url))
            }
        }
        self.endpoints = endpoints
    }

    /// Whether the token grants `role` (case-insensitive) on its project.
    public func hasRole(_ role: String) -> Bool {
        roles.contains(role.lowercased())
    }

    /// The URL of `service` for `interface` in `region` (nil = any region).
    func endpoint(_ service: ServiceType, interface: String, region: String?) -> URL? {
        let candidates = endpoints.filter { $0.serviceType == service.rawValue && $0.interface == interface }
        if let region { return candidates.first { $0.region == region }?.url }
        return candidates.first?.url
    }

    /// Keystone writes `2026-11-22T10:00:00.000000Z`; ISO8601DateFormatter wants at most
    /// milliseconds, so the fraction is cut.
    static func parseDate(_ text: String) -> Date? {
        var trimmed = text
        if let dot = trimmed.firstIndex(of: ".") {
            let zone = trimmed[dot...].firstIndex { $0 == "Z" || $0 == "+" || $0 == "-" }
            trimmed = String(trimmed[..<dot]) + (zone.map { String(trimmed[$0...]) } ?? "Z")
        }
        if !trimmed.hasSuffix("Z") && !trimmed.contains("+") && trimmed.count == 19 { trimmed += "Z" }
        return ISO8601DateFormatter().date(from: trimmed)
    }
}
