import ServiceLifecycle

/// The run as a service: `RunCoordinator.run()`, turned into a graceful stop of the running
/// stage by the group's graceful shutdown (SIGINT, SIGTERM). The group is configured to shut
/// down when this service returns, so the link closes after the run's last message.
public struct RunService: Service {
    /// The coordinator.
    public let coordinator: RunCoordinator

    /// A service over `coordinator`.
    public init(coordinator: RunCoordinator) {
        self.coordinator = coordinator
    }

    /// Runs the whole run; graceful shutdown interrupts it, and it still ends with results and
    /// cleanup.
    public func run() async throws {
        let coordinator = coordinator
        // The outcome is the coordinator's to report (it keeps it for the exit status).
        _ = await withGracefulShutdownHandler {
            await coordinator.run()
        } onGracefulShutdown: {
            Task { await coordinator.interrupt(reason: "signal received") }
        }
    }
}
