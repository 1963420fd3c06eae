#if canImport(Glibc)
import Glibc
#endif

/// What a local agent left running after it ended: nginx masters and workers (whose master
/// was killed, or whose agent was), and anything else it started. They are found from the
/// system, not from the agent: every process started from the agent runs in the agent's work
/// folder (`<state-dir>/runs/<run>/<agent>/`, the folder it was spawned in, which nginx never
/// leaves) or carries the agent's ledger marker in its environment.
///
/// Only nginx and kb-agent processes are matched by folder, so an operator's shell or pager
/// that happens to sit in the folder is never touched.
struct ProcessSweep {
    /// The agent's work folder, with a trailing `/`.
    let folder: String
    /// `KB_LEDGER_RESOURCE=<run>/<id>`.
    let marker: String

    /// The sweep for `resource`, a process the local cloud spawned.
    init(resource: ResourceRecord, ledger: Ledger) {
        let runs = ledger.store.directory.appendingPathComponent("runs").appendingPathComponent(resource.runID)
        folder = runs.appendingPathComponent(resource.name).path + "/"
        marker = "\(ProcessResource.markerVariable)=\(ProcessResource.marker(run: resource.runID, id: resource.id))"
    }

    /// The executables matched by folder alone: the local cloud's agents and their nginx, the
    /// qemu cloud's VMs, their per-connection forwards and the run's DHCP server.
    static let programs: Set<String> = ["nginx", "kb-agent", "qemu-system-x86_64", "socat", "dnsmasq"]

    /// Kills what is left (SIGKILL, with their process groups) and waits up to 5 s for it to
    /// go; returns `outcome`, or `.deleted` when the agent was gone but something of it was not.
    func finish(_ outcome: DeletionOutcome) async throws -> DeletionOutcome {
        let found = Self.scan(folder: folder, marker: marker)
        guard !found.isEmpty else { return outcome }
        for process in found {
            if getpgid(process.pid) == process.pid { kill(-process.pid, SIGKILL) }
            kill(process.pid, SIGKILL)
        }
        for process in found {
            _ = try await ProcessResource.waitUntilGone(process, within: .seconds(5))
        }
        return .deleted
    }

    /// The processes, other than this one and its ancestors, that run in `folder` (nginx and
    /// kb-agent only) or carry `marker` in their environment.
    static func scan(folder: String, marker: String) -> [ProcessIdentity] {
        let spared = ancestors()
        let needle = Array(marker.utf8)
        var found: [ProcessIdentity] = []
        for pid in allPIDs() where !spared.contains(pid) {
            guard let identity = ProcessIdentity.of(pid: pid), identity.isAlive else { continue }
            if let cwd = link("/proc/\(pid)/cwd"), (cwd + "/").hasPrefix(folder),
                let exe = link("/proc/\(pid)/exe").map({ String($0.split(separator: "/").last ?? "") }),
                programs.contains(exe.replacingOccurrences(of: " (deleted)", with: ""))
            {
                found.append(identity)
                continue
            }
            if hasEnvironmentEntry(pid, needle) { found.append(identity) }
        }
        return found
    }

    /// Whether `pid`'s environment holds `entry` (`NAME=value`) as a whole entry.
    static func hasEnvironmentEntry(_ pid: Int32, _ entry: [UInt8]) -> Bool {
        guard let environment = ProcessStat.readSmallFile("/proc/\(pid)/environ") else { return false }
        return environment.utf8.split(separator: 0).contains { $0.elementsEqual(entry) }
    }

    /// Every pid in /proc.
    static func allPIDs() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    /// This process and its ancestors, which a sweep never signals.
    static func ancestors() -> Set<Int32> {
        var pids: Set<Int32> = []
        var pid = getpid()
        while pid > 1, pids.insert(pid).inserted {
            guard let text = ProcessStat.readSmallFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { break }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = Int32(fields[1]) else { break }
            pid = parent
        }
        return pids
    }

    /// The target of a /proc symlink, or nil.
    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
