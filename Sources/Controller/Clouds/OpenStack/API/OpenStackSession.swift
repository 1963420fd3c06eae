import Foundation

/// One identity on one cloud: authenticates with Keystone v3, keeps the token fresh, finds the
/// services' endpoints in the catalog, and sends requests with retries.
///
/// An actor so that concurrent calls (VMs booted ten at a time) share one token and one
/// re-authentication.
public actor OpenStackSession {
    /// Who this session is.
    public let credentials: OpenStackCredentials
    /// How many times a retryable failure is tried in all.
    public let attempts: Int
    private let transport: OpenStackTransport
    private let retryDelay: Duration
    private var token: KeystoneToken?
    private var authenticating: Task<KeystoneToken, any Error>?
    private var computeVersion: String?

    /// A session for `credentials`; nothing is sent until the first call.
    public init(credentials: OpenStackCredentials, transport: OpenStackTransport? = nil, attempts: Int = 4,
                retryDelay: Duration = .milliseconds(500)) {
        self.credentials = credentials
        self.transport = transport ?? OpenStackTransport(caCertFile: credentials.caCertFile)
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
    }

    /// The current token, authenticating first when there is none or it expires within five
    /// minutes.
    public func currentToken() async throws -> KeystoneToken {
        if let token, token.expiresAt.timeIntervalSinceNow > 300 { return token }
        return try await reauthenticate()
    }

    /// Gets a new token (joining one already being fetched).
    @discardableResult
    func reauthenticate() async throws -> KeystoneToken {
        if let authenticating { return try await authenticating.value }
        let task = Task { try await self.fetchToken() }
        authenticating = task
        defer { authenticating = nil }
        let fresh = try await task.value
        token = fresh
        return fresh
    }

    /// Sends `request`, retrying what may pass, renewing the token once on a 401.
    ///
    /// - Throws: `OpenStackAPIError` saying which call failed, on what, and what to do.
    public func send(_ request: APIRequest) async throws -> APIReply {
        var renewed = false
        var attempt = 1
        while true {
            let token = try await currentToken()
            let url = try await url(for: request, token: token)
            var headers = headers(for: request, token: token)
            var body: Data?
            if let json = request.json {
                body = json.data()
                headers["Content-Type"] = "application/json"
            } else if let raw = request.body {
                body = raw.data
                headers["Content-Type"] = raw.contentType
            }
            let failure: OpenStackAPIError
            do {
                let reply = try await transport.send(method: request.method, url: url, headers: headers, body: body, operation: request.operation)
                if request.expect.contains(reply.status) { return reply }
                let message = OpenStackAPIError.message(fromBody: reply.data)
                failure = OpenStackAPIError(
                    operation: request.operation, request: "\(request.method) \(url.absoluteString)", status: reply.status,
                    kind: OpenStackAPIError.kind(status: reply.status, message: message), detail: message)
            } catch let error as OpenStackAPIError {
                failure = error
            }
            if failure.kind == .unauthorized, !renewed {
                renewed = true
                self.token = nil
                continue
            }
            guard request.retry == .transient, failure.isRetryable, attempt < attempts, !Task.isCancelled else { throw failure }
            try await Task.sleep(for: retryDelay * (1 << (attempt - 1)))
            attempt += 1
        }
    }

    /// Sends `request` with `body`'s file streamed as its body (`contentType`), renewing the
    /// token once on a 401 (the file is then sent again from its start); nothing else is
    /// retried, as a half-sent image leaves the service in a state only its caller can judge.
    ///
    /// - Throws: `OpenStackAPIError`, or `CancellationError` when the task was cancelled (the
    ///   transfer is aborted within a second).
    public func upload(_ request: APIRequest, body: UploadBody, contentType: String) async throws -> APIReply {
        var renewed = false
        while true {
            let token = try await currentToken()
            let url = try await url(for: request, token: token)
            var headers = headers(for: request, token: token)
            headers["Content-Type"] = contentType
            let reply = try await transport.upload(method: request.method, url: url, headers: headers, body: body, operation: request.operation)
            if request.expect.contains(reply.status) { return reply }
            let message = OpenStackAPIError.message(fromBody: reply.data)
            let kind = OpenStackAPIError.kind(status: reply.status, message: message)
            if kind == .unauthorized, !renewed {
                renewed = true
                self.token = nil
                continue
            }
            throw OpenStackAPIError(
                operation: request.operation, request: "\(request.method) \(url.absoluteString)", status: reply.status, kind: kind, detail: message)
        }
    }

    /// The headers of every call: the request's own, the token, JSON replies, and the Nova
    /// microversion once negotiated.
    private func headers(for request: APIRequest, token: KeystoneToken) -> [String: String] {
        var headers = request.headers
        headers["X-Auth-Token"] = token.value
        headers["Accept"] = "application/json"
        if request.service == .compute, let version = computeVersion {
            headers["OpenStack-API-Version"] = "compute \(version)"
            headers["X-OpenStack-Nova-API-Version"] = version
        }
        return headers
    }

    /// Sends `request` and returns its JSON.
    public func json(_ request: APIRequest) async throws -> JSONValue {
        try await send(request).json
    }

    /// Uses Nova microversion `version` (e.g. `2.67`) for every later compute call.
    public func useComputeMicroversion(_ version: String?) {
        computeVersion = version
    }

    /// The Nova microversion in use; nil until `ComputeAPI.negotiateMicroversion()` ran.
    public var computeMicroversion: String? { computeVersion }

    /// The versioned base URL of `service` from the catalog.
    public func endpoint(_ service: ServiceType) async throws -> URL {
        let token = try await currentToken()
        return try baseURL(service, token: token)
    }

    private func url(for request: APIRequest, token: KeystoneToken) async throws -> URL {
        var url = try baseURL(request.service, token: token)
        if !request.path.isEmpty { url.appendPathComponent(request.path) }
        guard !request.query.isEmpty, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        components.queryItems = request.query
        return components.url ?? url
    }

    private func baseURL(_ service: ServiceType, token: KeystoneToken) throws -> URL {
        if service == .identity { return credentials.authURL }
        guard let url = token.endpoint(service, interface: credentials.interface, region: credentials.regionName) else {
            let regions = Set(token.endpoints.filter { $0.serviceType == service.rawValue }.compactMap(\.region)).sorted()
            throw OpenStackAPIError(
                operation: "find the \(service.productName) endpoint", request: "catalog of \(credentials.authURL.absoluteString)",
                status: nil, kind: .notFound,
                detail: "no \(service.rawValue) endpoint for interface \(credentials.interface)"
                    + (credentials.regionName.map { " in region \($0)" } ?? ""),
                remedy: regions.isEmpty
                    ? "the cloud has no \(service.productName) in its catalog"
                    : "set OS_REGION_NAME to one of \(regions.joined(separator: ", ")) or OS_INTERFACE to another interface")
        }
        return Self.versioned(url, service: service)
    }

    /// Nova's catalog URL carries `/v2.1` (sometimes `/v2.1/<project>`); Neutron's and
    /// Glance's usually carry no version.
    static func versioned(_ url: URL, service: ServiceType) -> URL {
        let path = url.path
        if path.hasSuffix("/\(service.versionSuffix)") || path.contains("/\(service.versionSuffix)/") { return url }
        if service == .compute, path.range(of: "/v2(\\.1)?/[0-9a-f]{32}$", options: .regularExpression) != nil { return url }
        return url.appendingPathComponent(service.versionSuffix)
    }

    private func fetchToken() async throws -> KeystoneToken {
        let url = credentials.authURL.appendingPathComponent("auth/tokens")
        let operation = "authenticate with Keystone as \(credentials.username ?? credentials.userID ?? "the application credential") (\(credentials.source))"
        var attempt = 1
        while true {
            let failure: OpenStackAPIError
            do {
                let reply = try await transport.send(
                    method: "POST", url: url, headers: ["Content-Type": "application/json", "Accept": "application/json"],
                    body: KeystoneAuthBody.make(credentials).data(), operation: operation)
                if reply.status == 201 || reply.status == 200 {
                    return try KeystoneToken(reply: reply, operation: operation, request: "POST \(url.absoluteString)")
                }
                let message = OpenStackAPIError.message(fromBody: reply.data)
                failure = OpenStackAPIError(operation: operation, request: "POST \(url.absoluteString)", status: reply.status,
                                            kind: OpenStackAPIError.kind(status: reply.status, message: message), detail: message)
            } catch let error as OpenStackAPIError {
                failure = error
            }
            guard failure.isRetryable, failure.kind != .conflict, attempt < attempts, !Task.isCancelled else { throw failure }
            try await Task.sleep(for: retryDelay * (1 << (attempt - 1)))
            attempt += 1
        }
    }
}

/// The body of `POST /v3/auth/tokens` for a set of credentials.
enum KeystoneAuthBody {
    static func make(_ credentials: OpenStackCredentials) -> JSONValue {
        func domain(name: String?, id: String?) -> JSONValue {
            if let id { return ["id": .of(id)] }
            return ["name": .of(name ?? OpenStackCredentials.defaultDomain)]
        }
        switch credentials.secret {
        case .password(let password):
            var user: [String: JSONValue] = ["password": .of(password)]
            if let id = credentials.userID {
                user["id"] = .of(id)
            } else {
                user["name"] = .of(credentials.username ?? "")
                user["domain"] = domain(name: credentials.userDomainName, id: credentials.userDomainID)
            }
            var project: [String: JSONValue] = [:]
            if let id = credentials.projectID {
                project["id"] = .of(id)
            } else {
                project["name"] = .of(credentials.projectName ?? "")
                project["domain"] = domain(name: credentials.projectDomainName, id: credentials.projectDomainID)
            }
            return ["auth": [
                "identity": ["methods": ["password"], "password": ["user": .object(user)]],
                "scope": ["project": .object(project)],
            ]]
        case .applicationCredential(let id, let name, let secret):
            var credential: [String: JSONValue] = ["secret": .of(secret)]
            if let id {
                credential["id"] = .of(id)
            } else {
                credential["name"] = .of(name ?? "")
                var user: [String: JSONValue] = [:]
                if let userID = credentials.userID { user["id"] = .of(userID) } else {
                    user["name"] = .of(credentials.username ?? "")
                    user["domain"] = domain(name: credentials.userDomainName, id: credentials.userDomainID)
                }
                credential["user"] = .object(user)
            }
            return ["auth": ["identity": ["methods": ["application_credential"], "application_credential": .object(credential)]]]
        }
    }
}
