import Controller
import Hummingbird
import NIOCore

/// A request's context on the server: Hummingbird's, the caller's address and, once the
/// token middleware has run, who the caller is.
public struct ServerContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer.
    public let remoteAddress: SocketAddress?
    /// The token the request came with, once verified.
    public var token: APIToken?

    /// A context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are configurations and small requests; anything larger is refused (413) before
    /// it is read.
    public var maxUploadSize: Int { ServerLimits.maxBody }
}

/// Sizes the server holds requests to.
public enum ServerLimits {
    /// The largest request body, 1 MiB (the default configuration is about 12 KiB).
    public static let maxBody = 1 << 20
}
