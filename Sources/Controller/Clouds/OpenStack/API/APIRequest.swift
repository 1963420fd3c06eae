import Foundation

/// The OpenStack services the driver calls, by their catalog type.
public enum ServiceType: String, Sendable, CaseIterable {
    /// Keystone.
    case identity
    /// Nova.
    case compute
    /// Neutron.
    case network
    /// Glance.
    case image

    /// The API version path the driver's paths are relative to, when the catalog's URL lacks it.
    var versionSuffix: String {
        switch self {
        case .identity: return "v3"
        case .compute: return "v2.1"
        case .network: return "v2.0"
        case .image: return "v2"
        }
    }

    /// The project's name for it in messages.
    var productName: String {
        switch self {
        case .identity: return "Keystone"
        case .compute: return "Nova"
        case .network: return "Neutron"
        case .image: return "Glance"
        }
    }
}

/// One call to an OpenStack API, relative to the service's versioned endpoint.
public struct APIRequest: Sendable {
    /// What happens when a call fails in a way that may pass.
    public enum Retry: Sendable, Equatable {
        /// Never retried: the caller decides (polling loops, probes).
        case never
        /// Retried on server errors, timeouts, lost connections and transient conflicts: safe
        /// for reads, deletes and updates, and for creations whose duplicates cleanup finds by name.
        case transient
    }

    /// The service.
    public var service: ServiceType
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`.
    public var method: String
    /// The path after the versioned endpoint, e.g. `networks` or `servers/ID/action`.
    public var path: String
    /// Query items, in order.
    public var query: [URLQueryItem]
    /// A JSON body.
    public var json: JSONValue?
    /// A raw body and its content type (image uploads, JSON patches).
    public var body: (data: Data, contentType: String)?
    /// Extra headers.
    public var headers: [String: String]
    /// What the call does, for messages: `create network kb-...-t0-n0`.
    public var operation: String
    /// The statuses that count as success; others throw.
    public var expect: Set<Int>
    /// The retry policy.
    public var retry: Retry

    /// A request; `expect` defaults to every 2xx status.
    public init(_ service: ServiceType, _ method: String, _ path: String, query: [URLQueryItem] = [], json: JSONValue? = nil,
                operation: String, expect: Set<Int> = Set(200...299), retry: Retry = .transient) {
        self.service = service
        self.method = method
        self.path = path
        self.query = query
        self.json = json
        self.body = nil
        self.headers = [:]
        self.operation = operation
        self.expect = expect
        self.retry = retry
    }
}

/// A reply that matched the request's expected statuses.
public struct APIReply: Sendable {
    /// The HTTP status.
    public let status: Int
    /// The headers, names lowercased.
    public let headers: [String: String]
    /// The body.
    public let data: Data

    /// The body as JSON (`.null` when empty or not JSON).
    public var json: JSONValue { JSONValue(data: data) ?? .null }
}
