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

    /// A need this machine cannot meet, at the key to change.
    public struct Problem: Sendable, Equatable {
        /// The key path to lower, e.g. `["client", "http_tool_configs", "connections"]`.
        public let key: [String]
        /// What is needed, what the machine allows, what to do.
        public let message: String
    }

    /// Every problem of running `configuration` on this machine; empty when it fits. (The
    /// controller's own descriptors per agent are `TopologyCapacity`'s check.)
    public func problems(_ configuration: Configuration) -> [Problem] {
        var problems: [Problem] = []
        let connections = ["client", "http_tool_configs", "connections"]
        let tool = configuration.client.httpTool
        let vms = configuration.server.vmCount
        let need = UInt64(max(0, tool.connections)) + UInt64(ServerSizing.reservedClientDescriptors)
        if need > machine.fileDescriptors {
            problems.append(Problem(key: connections, message:
                "\(tool.connections) connections per client VM need \(need) file descriptors, but a process may open "
                    + "\(machine.fileDescriptors) here (ulimit -Hn); use at most "
                    + "\(machine.fileDescriptors - UInt64(ServerSizing.reservedClientDescriptors)) or more client VMs"))
        }
        // One client per server: a server expects its client's connections.
        if let problem = ServerSizing.capacityProblem(connections: tool.connections, cpus: machine.cpus) {
            problems.append(Problem(key: connections, message: problem))
        }
        if let limit = machine.processes {
            let workers = min(ServerSizing.neededWorkers(connections: tool.connections), ServerSizing.maxWorkers(cpus: machine.cpus))
            let processes = UInt64(2 * vms + vms * workers + 16)
            if processes > limit {
                problems.append(Problem(key: ["server", "vms_per_network"], message:
                    "\(2 * vms) agents and their nginx need about \(processes) processes, but `ulimit -u` allows \(limit); raise it or use fewer VMs"))
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
