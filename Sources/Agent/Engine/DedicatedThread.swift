#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work on a fresh POSIX thread and lets async callers await its result.
///
/// The cooperative pool has one thread per core (two on the agent VMs and on CI machines);
/// blocking one of them in `pthread_join` (which `hg_engine_stop` does) or in a DNS lookup
/// would stall every other task. Dispatch would do this too, but the agent keeps its
/// dependencies to the standard library, FoundationEssentials and Glibc.
enum DedicatedThread {
    /// The closure travels to the new thread in one retained box.
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread and returns its result when it has finished.
    static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            let work = Unmanaged.passRetained(Work { continuation.resume(returning: body()) })
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { argument in
                // The argument is the box retained above; taking it here releases it exactly once.
                guard let argument else { return nil }
                Unmanaged<Work>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            }, work.toOpaque())
            if status == 0 {
                pthread_detach(thread)
            } else {
                // No thread to be had (EAGAIN at the process limit): the work must still happen,
                // so it blocks this thread rather than leaking an engine that keeps running.
                work.takeRetainedValue().body()
            }
        }
    }
}
