import Dispatch
#if canImport(Glibc)
import Glibc
#endif

extension RunCommand {
    /// Whether the command line (without argv[0]) selects `run`, which needs `runMain(_:)`
    /// instead of `InterruptSignal.runMain(_:)`: that one takes SIGINT in `sigwait` on the main
    /// thread, where the `ServiceGroup`'s signal handling would never see it.
    public static func isSelected(by arguments: [String]) -> Bool {
        arguments.first == configuration.commandName
    }

    /// Runs `body` as the program, with SIGTERM and SIGINT deliverable to the `ServiceGroup`,
    /// and exits with status 0 when it returns (`body` calls `exit` for any other status).
    /// Call from the main thread, first thing, without top-level `await`.
    public static func runMain(_ body: @escaping @Sendable () async -> Void) -> Never {
        // A parent may leave signals blocked (`swift test` blocks SIGTERM; so do some
        // supervisors), and the mask is inherited by every thread made later. For this daemon
        // SIGTERM and SIGINT mean "stop gracefully", so they are unblocked before any thread
        // exists; the ServiceGroup installs its handlers through Dispatch.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        Task.detached {
            await body()
            StandardStreams.flushOutput()
            Glibc.exit(0)
        }
        dispatchMain()
    }
}
