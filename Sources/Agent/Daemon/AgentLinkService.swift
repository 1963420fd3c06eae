import Proto
import ServiceLifecycle

/// The agent's ZeroMQ link as a `Service`. The link has its own I/O thread, so there is nothing
/// to drive; the service holds it open for the daemon and closes it when the group shuts down.
/// Listed before the daemon, it is shut down after it, so the final report and the last
/// statuses are queued before `close()` hands them to libzmq (which lingers to deliver them).
public struct AgentLinkService: Service {
    /// The link the daemon talks over.
    public let link: AgentLink

    /// A service around `link`.
    public init(link: AgentLink) {
        self.link = link
    }

    /// Waits for graceful shutdown (or cancellation), then closes the link.
    public func run() async throws {
        try? await gracefulShutdown()
        link.close()
    }
}
