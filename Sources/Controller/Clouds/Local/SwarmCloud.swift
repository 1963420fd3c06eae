import Foundation
import Synchronization

/// `kloudbuster run --swarm-samples N`: the local cloud with every agent played by a few
/// `kb-agent swarm` processes instead of one `kb-agent run` each. The controller is the real
/// one and sees one CURVE key and two connections per agent, as in any run; the agents serve
/// and load nothing and report invented latencies (`N` per interval). It measures the
/// controller (bench/controller-scale.sh), not a cloud.
///
/// A swarm process is `<run>-swarm-<k>` in the ledger, spawned like an agent (row first), with
/// its members' user data in `<state-dir>/runs/<run>/<run>-swarm-<k>.jsonl` (0600). When it
/// ends, every member it played ends with it.
public struct SwarmCloud: AgentLauncher {
    /// The local cloud whose process handling it shares.
    public let local: LocalCloud
    /// Latencies per member interval histogram.
    public let samples: Int
    /// Members per swarm process.
    public let membersPerProcess: Int
    private let members = Members()

    /// A swarm launcher over `ledger` starting `agentBinary swarm`.
    public init(ledger: Ledger, agentBinary: String, samples: Int, membersPerProcess: Int = 2_000) {
        local = LocalCloud(ledger: ledger, agentBinary: agentBinary)
        self.samples = samples
        self.membersPerProcess = membersPerProcess
    }

    /// For messages.
    public var cloudDescription: String { "the local cloud (agents played by kb-agent swarm)" }

    /// One agent alone: a swarm of one.
    public func launch(_ userData: AgentUserData) async throws {
        try await launchAll([userData]) { _ in }
    }

    /// Splits the agents into swarms of `membersPerProcess` and spawns one process per swarm.
    /// A client and its server (`-cli-<n>`, `-srv-<n>`) go to the same swarm, which then makes
    /// the server's counters agree with the client's, as nginx's would.
    public func launchAll(_ given: [AgentUserData], started: @Sendable (Int) -> Void) async throws {
        guard let runID = given.first?.runID else { return }
        let servers = given.filter { $0.role == "http-server" }
        let others = given.filter { $0.role != "http-server" }
        var agents: [AgentUserData] = []
        for index in 0..<max(servers.count, others.count) {
            if index < servers.count { agents.append(servers[index]) }
            if index < others.count { agents.append(others[index]) }
        }
        var launched = 0
        var chunk = members.nextChunk()
        for start in stride(from: 0, to: agents.count, by: membersPerProcess) {
            try Task.checkCancellation()
            let slice = agents[start..<min(agents.count, start + membersPerProcess)]
            let name = "\(runID)-swarm-\(chunk)"
            chunk += 1
            var lines = Data()
            for agent in slice {
                lines.append(try agent.jsonLine())
                lines.append(UInt8(ascii: "\n"))
            }
            let file = try local.runDirectory(runID).appendingPathComponent("\(name).jsonl")
            try AgentUserData.writePrivately(lines, to: file)
            members.set(name, slice.map(\.agentID))
            let record = try local.processes.spawn(
                run: runID, name: name, executable: local.agentBinary,
                arguments: ["swarm", "--userdata", file.path, "--samples", String(samples)],
                directory: try local.runDirectory(runID).path)
            if let identity = record.processIdentity { local.spawned.add(name, identity) }
            launched += slice.count
            started(launched)
        }
        members.setNextChunk(chunk)
    }

    /// The run folder: members keep no files.
    public func workDirectory(runID: String, agentID: String, store: StateStore) throws -> String {
        try store.runDirectory(for: runID).path
    }

    /// Every member of a swarm process that ended, with how the process ended.
    public func exitedAgents() async -> [(agentID: String, how: String)] {
        await local.exitedAgents().flatMap { swarm in
            members.of(swarm.agentID).map { ($0, "its swarm process \(swarm.agentID) ended (\(swarm.how))") }
        }
    }

    /// The tail of the log of the swarm process playing `agentID`.
    public func logTail(agentID: String) async -> String? {
        guard let swarm = members.swarm(of: agentID) else { return nil }
        return local.logTail(agentID: swarm)
    }

    /// Which swarm process plays which agents.
    private final class Members: Sendable {
        private let state = Mutex<(byProcess: [String: [String]], byAgent: [String: String], next: Int)>(([:], [:], 0))

        func set(_ process: String, _ agents: [String]) {
            state.withLock { state in
                state.byProcess[process] = agents
                for agent in agents { state.byAgent[agent] = process }
            }
        }

        func of(_ process: String) -> [String] { state.withLock { $0.byProcess[process] ?? [] } }
        func swarm(of agent: String) -> String? { state.withLock { $0.byAgent[agent] } }
        func nextChunk() -> Int { state.withLock { $0.next } }
        func setNextChunk(_ next: Int) { state.withLock { $0.next = next } }
    }
}
