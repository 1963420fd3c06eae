/// Everything the load engine needs to know, in Swift terms: what to request, from where, how
/// many connections and threads, at what rate.
///
/// Built by `LoadOptions.plan()` from the command line (or, later, from a controller command)
/// and handed to `LoadEngine`. Holds no C type so that callers outside `Agent/Engine` never
/// see the engine's ABI.
public struct LoadPlan: Sendable, Equatable {
    /// Name or numeric address of the target (IPv6 without brackets).
    public var host: String
    /// Target port, 1-65535.
    public var port: UInt16
    /// The request target: path and query, e.g. "/index.html?x=1".
    public var path: String
    /// The value of the Host header.
    public var hostHeader: String
    /// The request method, e.g. "GET".
    public var method: String
    /// Extra header lines as "Name: value", without line ends.
    public var headers: [String]
    /// Bytes of request body sent with each request (0 for none).
    public var bodySize: UInt64
    /// Speak TLS (https).
    public var tls: Bool
    /// Verify the server certificate and host name; false for self-signed test servers.
    public var verifyCertificates: Bool
    /// Open a new connection for every request ("Connection: close").
    public var closeEachRequest: Bool
    /// Concurrent connections, at least `threads`.
    public var connections: Int
    /// Event-loop threads, at least 1.
    public var threads: Int
    /// Total requests per second over all connections; nil sends as fast as responses come back.
    public var rate: Double?
    /// Per-request (and per-connect) timeout; zero for none.
    public var timeout: Duration
    /// With a rate: the schedule's quantum (requests due within one window go out together at
    /// its start); zero sends each request at its own time.
    public var sendWindow: Duration
    /// Numeric local addresses to bind, used round-robin per connection; empty for any.
    public var sources: [String]
    /// The URL as the user should see it in reports.
    public var displayURL: String

    /// A plan with the engine's usual defaults for everything but the target.
    public init(
        host: String, port: UInt16, path: String = "/", hostHeader: String? = nil,
        method: String = "GET", headers: [String] = [], bodySize: UInt64 = 0,
        tls: Bool = false, verifyCertificates: Bool = true, closeEachRequest: Bool = false,
        connections: Int = 10, threads: Int = 1, rate: Double? = nil,
        timeout: Duration = .seconds(2), sendWindow: Duration = .zero, sources: [String] = [],
        displayURL: String? = nil
    ) {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let defaultPort: UInt16 = tls ? 443 : 80
        let header = hostHeader ?? (port == defaultPort ? bracketed : "\(bracketed):\(port)")
        self.host = host
        self.port = port
        self.path = path
        self.hostHeader = header
        self.method = method
        self.headers = headers
        self.bodySize = bodySize
        self.tls = tls
        self.verifyCertificates = verifyCertificates
        self.closeEachRequest = closeEachRequest
        self.connections = connections
        self.threads = threads
        self.rate = rate
        self.timeout = timeout
        self.sendWindow = sendWindow
        self.sources = sources
        self.displayURL = displayURL ?? "\(tls ? "https" : "http")://\(header)\(path)"
    }
}
