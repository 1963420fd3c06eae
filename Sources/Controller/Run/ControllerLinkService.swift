import Proto
import ServiceLifecycle

/// Keeps the run's `ControllerLink` open for as long as the service group runs, and closes it
/// (flushing what is queued, e.g. the last Abort) on graceful shutdown or cancellation. It is
/// listed before the run so that the group shuts it down last.
public struct ControllerLinkService: Service {
    /// The link.
    public let link: ControllerLink

    /// A service over `link`.
    public init(link: ControllerLink) {
        self.link = link
    }

    /// Waits for the group to shut down, then closes the link.
    public func run() async throws {
        defer { link.close() }
        try? await gracefulShutdown()
    }
}
