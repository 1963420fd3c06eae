import Controller
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// `kloudbuster serve`: the REST API of docs/openapi.yaml, the event streams and the web UI,
/// over one state store. Runs start through `RunAssembly`, as `kloudbuster run` starts them.
public struct KloudBusterServer: Sendable {
    /// Where and how to listen.
    public struct Settings: Sendable {
        /// The address to bind (127.0.0.1 unless told otherwise).
        public var host = "127.0.0.1"
        /// The port; 0 picks a free one (the server prints which).
        public var port = 8080
        /// The kb-agent executable runs use (default: next to kloudbuster).
        public var agentBinary: String?
        /// HTTPS with this certificate and key; nil: plain HTTP.
        public var tls: ServerTLS?

        /// Defaults.
        public init() {}
    }

    let settings: Settings
    let store: StateStore
    let logger: Logger

    /// A server over `store`.
    public init(settings: Settings, store: StateStore, logger: Logger = Logger(label: "kloudbuster.serve")) {
        self.settings = settings
        self.store = store
        self.logger = logger
    }

    /// The routes, behind the access middleware. `runs` holds the runs this server starts.
    func router(runs: RunManager) -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        let table = RouteTable()
        router.add(middleware: ErrorMiddleware(routes: table))
        router.add(middleware: AccessMiddleware(store: store))
        StaticRoutes().register(on: router)
        ConfigRoutes().register(on: router)
        RunRoutes(store: store, runs: runs).register(on: router)
        CompareRoutes(store: store).register(on: router)
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: runs.metrics.exposition())))
        }
        table.load(router.routes.map { ($0.method.rawValue, "\($0.path)") })
        return router
    }

    /// Serves until SIGINT or SIGTERM; then stops its runs gracefully (each writes its results
    /// and cleans up) and returns. `onListening` is told the address once the socket is bound.
    public func run(onListening: @escaping @Sendable (String) -> Void = { print("listening on \($0)") }) async throws {
        let runs = RunManager(store: store, agentBinary: settings.agentBinary, logger: logger)
        let scheme = settings.tls == nil ? "http" : "https"
        let app = Application(
            router: router(runs: runs),
            server: try settings.tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "kloudbuster/\(KloudBuster.version)"),
            onServerRunning: { channel in
                let address = channel.localAddress
                let host = address?.ipAddress ?? "?"
                let shown = host.contains(":") ? "[\(host)]" : host
                onListening("\(scheme)://\(shown):\(address?.port ?? 0)")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: RunsService(runs: runs)), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Stops the server's runs when the server shuts down (listed first, so it ends last).
struct RunsService: Service {
    let runs: RunManager

    func run() async throws {
        try? await gracefulShutdown()
        await runs.stopAll()
    }
}

/// Turns what no handler caught into the API's JSON error, so that no response is ever a bare
/// text or an HTML page; a 500 says what failed and the server keeps serving.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    let routes: RouteTable

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound && !routes.methods(for: request.uri.path).isEmpty {
            let allowed = routes.methods(for: request.uri.path)
            throw APIError(.methodNotAllowed, "method_not_allowed",
                           "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)",
                           allow: allowed.joined(separator: ", "))
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status == .methodNotAllowed ? "method_not_allowed" : "http_error"
            let message = error.status == .notFound
                ? "no route \(request.method.rawValue) \(request.uri.path) (GET /openapi.yaml lists the routes)"
                : error.body ?? error.status.reasonPhrase
            throw APIError(error.status, code, message)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, "http_error", "\(error)")
        } catch {
            context.logger.error("\(request.method.rawValue) \(request.uri.path) failed: \(error)")
            throw APIError(.internalServerError, "internal", "\(error)")
        }
    }
}
