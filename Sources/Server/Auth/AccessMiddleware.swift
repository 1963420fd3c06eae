import Controller
import Foundation
import HTTPTypes
import Hummingbird

/// Who may do what, and the record of it. Verifies `Authorization: Bearer <token>` against the
/// state store's hashed tokens and holds every route to a role (`AccessPolicy`); writes every
/// state-changing request to the audit table, refused ones too: 401s and 403s are what an
/// operator looks for after an incident.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    let store: StateStore

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if AccessPolicy.isOpen(path) { return try await next(request, context) }
        var context = context
        guard AccessPolicy.changesState(request.method, path: path) else {
            context.token = try authorize(request, as: try identify(request))
            return try await next(request, context)
        }
        do {
            // Identified first, so that a 403 is audited under the token that was refused.
            context.token = try identify(request)
            _ = try authorize(request, as: context.token!)
            let response = try await next(request, context)
            record(request, context, status: response.status.code, detail: response.headers[AccessPolicy.auditDetail])
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, status: error.status.code, detail: (error as? APIError)?.message ?? "\(error)")
            throw error
        } catch {
            record(request, context, status: 500, detail: "\(error)")
            throw error
        }
    }

    /// The caller's live token; 401 without one.
    private func identify(_ request: Request) throws -> APIToken {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("no token: send Authorization: Bearer <token> (create one with `kloudbuster token create --role viewer|operator`)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header is not a bearer token: send Authorization: Bearer <token>")
        }
        guard let token = try store.token(secret: parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw APIError.unauthorized("unknown or revoked token (`kloudbuster token list` shows the live ones)")
        }
        return token
    }

    /// `token`, if its role may make `request`; 403 otherwise.
    private func authorize(_ request: Request, as token: APIToken) throws -> APIToken {
        let needed = AccessPolicy.role(for: request.method, path: request.uri.path)
        guard token.role.includes(needed) else {
            throw APIError(.forbidden, "forbidden",
                           "\(request.method.rawValue) \(request.uri.path) needs an \(needed.rawValue) token; \(token.id) is a \(token.role.rawValue) token")
        }
        return token
    }

    private func record(_ request: Request, _ context: ServerContext, status: Int, detail: String?) {
        let entry = AuditEntry(
            tokenID: context.token?.id, tokenName: context.token?.name, method: request.method.rawValue,
            path: request.uri.path, status: status, detail: detail,
            remote: context.remoteAddress?.ipAddress)
        do { try store.audit(entry) } catch {
            context.logger.error("could not write the audit entry for \(request.method) \(request.uri.path): \(error)")
        }
    }
}

/// The rules `AccessMiddleware` applies.
enum AccessPolicy {
    /// Paths anyone who reaches the listening address may read: the UI's files, the OpenAPI
    /// document, the health check.
    static func isOpen(_ path: String) -> Bool {
        path == "/" || path == "/openapi.yaml" || path == "/ui" || path.hasPrefix("/ui/") || path == "/v1/health"
    }

    /// The role a request needs: a viewer reads, an operator changes.
    static func role(for method: HTTPRequest.Method, path: String) -> APIRole {
        changesState(method, path: path) ? .operator : .viewer
    }

    /// Whether the request changes anything (and so is audited).
    static func changesState(_ method: HTTPRequest.Method, path: String) -> Bool {
        !(method == .get || method == .head || readOnlyPosts.contains(path))
    }

    /// POSTs that change nothing: they take a body, so they cannot be GETs.
    static let readOnlyPosts: Set<String> = ["/v1/config/validate", "/v1/compare"]

    /// The response header a handler sets to say what it did ("started kb-..."); the audit
    /// table keeps it.
    static let auditDetail = HTTPField.Name("X-KB-Audit")!
}
