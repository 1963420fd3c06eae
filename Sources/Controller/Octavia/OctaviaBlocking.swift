import Foundation

/// Runs blocking database work on a dedicated thread, so that a slow MariaDB or a populate of
/// thousands of load balancers never holds a thread of the Swift cooperative pool.
public enum OctaviaBlocking {
    /// Runs `work` on a new thread and returns (or throws) what it does.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.name = "kb-octavia-db"
            thread.start()
        }
    }
}
