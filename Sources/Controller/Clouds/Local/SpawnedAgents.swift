import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The local cloud's agent processes, by agent id, until each is seen to exit.
///
/// A class with a mutex (so `LocalCloud` stays a Sendable struct): launching adds, the run's
/// tick reaps.
final class SpawnedAgents: Sendable {
    private let running = Mutex<[String: ProcessIdentity]>([:])

    /// Remembers `agentID`'s process.
    func add(_ agentID: String, _ identity: ProcessIdentity) {
        running.withLock { $0[agentID] = identity }
    }

    /// Reaps the agents that exited (`waitpid` on each, WNOHANG, never on a pid that now
    /// belongs to another process) and returns how each ended.
    func reapExited() -> [(agentID: String, how: String)] {
        running.withLock { running in
            var exited: [(agentID: String, how: String)] = []
            for (agentID, identity) in running {
                var status: Int32 = 0
                let result = waitpid(identity.pid, &status, WNOHANG)
                if result == identity.pid {
                    exited.append((agentID, Self.describe(status)))
                } else if result < 0, errno == ECHILD, !identity.isAlive {
                    // Reaped elsewhere (cleanup stopping it): it is gone all the same.
                    exited.append((agentID, "exited"))
                }
            }
            for (agentID, _) in exited { running[agentID] = nil }
            return exited.sorted { $0.agentID < $1.agentID }
        }
    }

    /// "exit status 1", "killed by signal 9 (SIGKILL)".
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        guard signal != 0 else { return "exit status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        return "killed by signal \(signal) (\(name))"
    }
}
