#if canImport(Glibc)
import Glibc
#endif

/// How many nginx workers a server agent runs for the connections it expects, shared by the
/// agent (which writes nginx.conf) and the controller (which refuses, before staging, what no
/// server could hold).
///
/// One worker holds about 19,000 connections here (a process may have 20,000 descriptors and
/// the limit cannot be raised), so workers grow with the connections, but never past two per
/// CPU: hundreds of workers on a small machine only thrash it (and once left 512 behind).
public enum ServerSizing {
    /// Connections one worker is planned to hold, leaving descriptors for logs and listeners.
    public static let connectionsPerWorker = 19_000
    /// Descriptors a client agent keeps for itself beside its connections.
    public static let reservedClientDescriptors = 64

    /// This machine's online CPUs.
    public static var onlineCPUs: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The most workers one server runs on `cpus` CPUs.
    public static func maxWorkers(cpus: Int) -> Int { max(2, 2 * cpus) }

    /// The most connections one server holds on `cpus` CPUs.
    public static func maxConnections(cpus: Int) -> Int { maxWorkers(cpus: cpus) * connectionsPerWorker }

    /// Workers for `connections`: one per `connectionsPerWorker`, at least one.
    public static func neededWorkers(connections: Int) -> Int {
        max(1, (connections + connectionsPerWorker - 1) / connectionsPerWorker)
    }

    /// Why one server cannot hold `connections` on `cpus` CPUs, or nil when it can.
    public static func capacityProblem(connections: Int, cpus: Int) -> String? {
        let limit = maxConnections(cpus: cpus)
        guard connections > limit else { return nil }
        return "\(connections) connections to one server need \(neededWorkers(connections: connections)) nginx workers, "
            + "but \(cpus) CPU(s) allow at most \(maxWorkers(cpus: cpus)) (\(limit) connections); "
            + "use more server VMs or fewer connections per client"
    }
}
