import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT into task cancellation, so that Ctrl-C during a load stops the engine and still
/// prints the report.
///
/// No C signal handler: `runMain(_:)` blocks SIGINT on the main thread before any other thread
/// exists (every thread started later inherits the mask, the engine's included), runs the
/// program in a task on the global executor, and keeps the main thread in `sigwait`, where
/// ordinary Swift code may run. The main thread must not enter the async-main drain loop:
/// libdispatch's `dispatch_main` resets its signal mask, and SIGINT would then kill the process
/// there. A second SIGINT, or one when no load is running, exits with the shell's usual 130.
/// (swift-service-lifecycle will take this over when the agent runs as a service.)
public enum InterruptSignal {
    private static let onInterrupt = Mutex<(@Sendable () -> Void)?>(nil)

    /// Runs `body` as the program and exits with status 0 when it returns (`body` calls `exit`
    /// itself for any other status). Call from the main thread, first thing in `main.swift`,
    /// and without top-level `await`.
    public static func runMain(_ body: @escaping @Sendable () async -> Void) -> Never {
        var set = interruptSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        Task.detached {
            await body()
            StandardStreams.flushOutput()
            exit(0)
        }
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            let handler = onInterrupt.withLock { handler in
                defer { handler = nil }
                return handler
            }
            guard let handler else {
                StandardStreams.flushOutput()
                exit(130)
            }
            StandardStreams.writeError("interrupted: stopping the load (press Ctrl-C again to quit at once)")
            handler()
        }
    }

    /// Runs `body` as a child task that SIGINT cancels; returns its result (a cancelled load
    /// still returns one). Outside `runMain(_:)`, SIGINT keeps its default action.
    public static func cancellingOnInterrupt<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = Task { try await body() }
        onInterrupt.withLock { $0 = { task.cancel() } }
        defer { onInterrupt.withLock { $0 = nil } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private static func interruptSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        return set
    }
}
