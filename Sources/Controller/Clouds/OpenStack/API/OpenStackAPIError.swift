import Foundation

/// A call to an OpenStack API that failed: which call, on which resource, what the service
/// said, and what the user can do about it.
///
/// Printed, it reads `create network kb-...-t0-n0 (POST http://.../v2.0/networks): 409 Conflict:
/// Quota exceeded for resources: ['network'] — raise the project's network quota or ...`.
public struct OpenStackAPIError: Error, CustomStringConvertible, Sendable {
    /// The classes of failure a caller reacts to differently.
    public enum Kind: Sendable, Equatable {
        /// 400: the request was malformed or named something invalid.
        case badRequest
        /// 401: the credentials or the token were refused.
        case unauthorized
        /// 403 (not a quota): the user's role does not allow the call.
        case forbidden
        /// 404: the resource or the endpoint does not exist.
        case notFound
        /// 409 (not a quota): the resource is in use or in a state that forbids the call.
        case conflict
        /// 413, or a 403/409 whose message is about quota: the project's quota is used up.
        case quotaExceeded
        /// 5xx: the service failed; retrying may help.
        case serverError
        /// No reply within the timeout.
        case timeout
        /// No connection (refused, unreachable, TLS failure).
        case connection
        /// The reply was not what the API documents (no JSON, a field missing).
        case malformedReply
        /// Any other status.
        case other
    }

    /// What the call was for, in words: `create network kb-20261122-0836-ab12-t0-n0`.
    public let operation: String
    /// The method and URL: `POST http://127.0.0.1:9696/v2.0/networks`.
    public let request: String
    /// The HTTP status; nil when there was no reply.
    public let status: Int?
    /// The class of failure.
    public let kind: Kind
    /// What the service said (its error message), or the transport's error.
    public let detail: String
    /// What to do; a caller that knows better can replace it (`withRemedy`).
    public let remedy: String

    /// Creates an error; `remedy` defaults to the advice for `kind`.
    public init(operation: String, request: String, status: Int?, kind: Kind, detail: String, remedy: String? = nil) {
        self.operation = operation
        self.request = request
        self.status = status
        self.kind = kind
        self.detail = detail
        self.remedy = remedy ?? Self.defaultRemedy(kind, operation: operation)
    }

    /// The same error with `remedy` as the advice.
    public func withRemedy(_ remedy: String) -> OpenStackAPIError {
        OpenStackAPIError(operation: operation, request: request, status: status, kind: kind, detail: detail, remedy: remedy)
    }

    /// One line: operation, request, status, detail, remedy.
    public var description: String {
        let statusText = status.map { "\($0)" + (Self.reasons[$0].map { " \($0)" } ?? "") } ?? "no reply"
        let said = detail.isEmpty ? "" : ": \(detail)"
        return "\(operation) failed (\(request)): \(statusText)\(said) — \(remedy)"
    }

    private static let reasons: [Int: String] = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
        502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    ]

    /// Whether trying again later can succeed: server errors, timeouts, lost connections and
    /// conflicts that are about a resource's transient state.
    public var isRetryable: Bool {
        switch kind {
        case .serverError, .timeout, .connection, .conflict: return true
        default: return false
        }
    }

    /// Classifies a reply's status and message.
    static func kind(status: Int, message: String) -> Kind {
        let lowered = message.lowercased()
        let aboutQuota = lowered.contains("quota") || lowered.contains("overlimit") || lowered.contains("over limit")
        switch status {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return aboutQuota ? .quotaExceeded : .forbidden
        case 404: return .notFound
        case 409: return aboutQuota ? .quotaExceeded : .conflict
        case 413: return .quotaExceeded
        case 500...599: return .serverError
        default: return .other
        }
    }

    static func defaultRemedy(_ kind: Kind, operation: String) -> String {
        switch kind {
        case .badRequest:
            return "check the configuration values this call used (flavor, image, availability zone, CIDR)"
        case .unauthorized:
            return "check the credentials (OS_USERNAME, OS_PASSWORD or the application credential, the domains, OS_AUTH_URL); an expired token is renewed once automatically"
        case .forbidden:
            return "the user lacks the role for this call: use an admin user, or a member user with a tenants file (-l) so no admin call is needed; placing VMs on hosts (zone:host, -t) needs admin"
        case .notFound:
            return "the resource or the service endpoint does not exist: check the names in the configuration and the region (OS_REGION_NAME)"
        case .conflict:
            return "the resource is in use or busy; it was retried — run `kloudbuster cleanup` if a previous run left it behind"
        case .quotaExceeded:
            return "the project's quota is used up: raise it (as admin), free resources, or shrink the topology (server.number_tenants, *_per_*)"
        case .serverError:
            return "the service failed (it was retried); see its log, then run again"
        case .timeout:
            return "the service did not answer in time (it was retried); check that it runs and is not overloaded"
        case .connection:
            return "the endpoint could not be reached: check OS_AUTH_URL, the service catalog's URLs (OS_INTERFACE) and OS_CACERT"
        case .malformedReply:
            return "the service's reply was not what its API documents: check the cloud's release and the endpoint"
        case .other:
            return "see the service's message"
        }
    }

    /// The message in an OpenStack error body: Neutron's `NeutronError.message`, Nova's
    /// `{"badRequest": {"message": ...}}`, Keystone's `error.message`, Glance's `message`, or
    /// the first line of a text body.
    static func message(fromBody data: Data) -> String {
        if let json = JSONValue(data: data) {
            if let text = json["NeutronError"]?["message"]?.string { return text }
            if let text = json["error"]?["message"]?.string { return text }
            if let text = json["message"]?.string { return text }
            if let text = json["error"]?.string { return text }
            if let members = json.object {
                for (_, value) in members.sorted(by: { $0.key < $1.key }) {
                    if let text = value["message"]?.string { return text }
                }
            }
        }
        let text = String(decoding: data.prefix(2000), as: UTF8.self)
        let stripped = text.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        let lines = stripped.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.filter { !$0.isEmpty }.prefix(2).joined(separator: " ")
    }
}
