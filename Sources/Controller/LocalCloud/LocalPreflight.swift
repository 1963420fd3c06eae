import Proto
#if canImport(Glibc)
import Glibc
#endif

/// What a local run needs of this machine, checked before anything is staged: descriptors for
/// each client's connections and for the controller's two sockets per agent, nginx workers
/// within a sane bound of the CPUs, and processes. Each problem says what to change.
public struct LocalPreflight: Sendable {
    /// The machine's limits the checks use.
    public struct Machine: Sendable, Equatable {
        /// The hard RLIMIT_NOFILE (the controller raises its soft limit to it; agents inherit).
        public var fileDescriptors: UInt64
        /// The soft RLIMIT_NPROC, nil when unlimited (or root, which it does not bind).
        public var processes: UInt64?
        /// Online CPUs.
        public var cpus: Int

        /// This machine, now.
        public static var current: Machine {
            var limit = rlimit()
            var files: UInt64 = 1024
            if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 { files = UInt64(limit.rlim_max) }
            var processes: UInt64?
            if geteuid() != 0, getrlimit(__rlimit_resource_t(6 /* RLIMIT_NPROC, a macro Swift cannot import */), &limit) == 0, limit.rlim_cur != rlim_t.max {
                processes = UInt64(limit.rlim_cur)
            }
            return Machine(fileDescriptors: files, processes: processes, cpus: ServerSizing.onlineCPUs)
        }

        /// Given limits.
        public init(fileDescriptors: UInt64, processes: UInt64?, cpus: Int) {
            self.fileDescriptors = fileDescriptors
            self.processes = processes
            self.cpus = cpus
        }
    }

    /// The limits checked against.
    public let machine: Machine

    /// Checks against `machine`.
    public init(machine: Machine = .current) {
        self.machine = machine
    }

    /// Every problem of running `configuration` on this machine; empty when it fits.
    public func problems(_ configuration: Configuration) -> [String] {
        var problems: [String] = []
        let tool = configuration.client.httpTool
        let vms = configuration.server.vmCount
        let need = UInt64(max(0, tool.connections)) + UInt64(ServerSizing.reservedClientDescriptors)
        if need > machine.fileDescriptors {
            problems.append(
                "client.http_tool_configs.connections: \(tool.connections) connections per client VM need \(need) file descriptors, "
                    + "but a process may open \(machine.fileDescriptors) here (ulimit -Hn); use at most "
                    + "\(machine.fileDescriptors - UInt64(ServerSizing.reservedClientDescriptors)) or more client VMs")
        }
        // One client per server: a server expects its client's connections.
        if let problem = ServerSizing.capacityProblem(connections: tool.connections, cpus: machine.cpus) {
            problems.append("client.http_tool_configs.connections: \(problem)")
        }
        let workers = min(ServerSizing.neededWorkers(connections: tool.connections), ServerSizing.maxWorkers(cpus: machine.cpus))
        let agents = UInt64(2 * vms)
        let controllerNeed = 2 * agents + 256
        if controllerNeed > machine.fileDescriptors {
            problems.append(
                "\(agents) agents need \(controllerNeed) file descriptors in the controller (two sockets each), but a process may open "
                    + "\(machine.fileDescriptors) here (ulimit -Hn); use fewer VMs (server.number_tenants × routers × networks × vms_per_network)")
        }
        if let limit = machine.processes {
            let processes = agents + UInt64(vms * (1 + workers)) + 16
            if processes > limit {
                problems.append(
                    "\(agents) agents and their nginx need about \(processes) processes, but `ulimit -u` allows \(limit); raise it or use fewer VMs")
            }
        }
        return problems
    }

    /// Raises this process's soft descriptor limit to the hard one, so agents inherit it.
    public static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
