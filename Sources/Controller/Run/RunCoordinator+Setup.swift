import Foundation
import Proto

// Staging, joining and preparing: everything before the first Start.
extension RunCoordinator {
    /// Admits every agent's key, then starts the agents, servers first.
    func stageAgents() async throws {
        expect(.idle, "stageAgents")
        state = .staging
        let agents = topology.agents
        console.progress("run \(runID): staging \(topology.servers.count) server and \(topology.clients.count) client agent(s) on \(launcher.cloudDescription)")
        var userData: [AgentUserData] = []
        for agent in agents {
            let pair = keys[agent.id]!
            // Admitted before the agent exists: libzmq never redials after a refused handshake.
            try link.admit(publicKey: pair.publicKey)
            let work = try launcher.workDirectory(runID: runID, agentID: agent.id, store: ledger.store)
            userData.append(AgentUserData(
                runID: runID, agentID: agent.id, role: agent.role, address: agent.address,
                controller: .init(pubEndpoint: link.pubEndpoint, routerEndpoint: link.routerEndpoint, serverPublicKey: serverKeys.publicKey),
                keys: pair, workDirectory: work))
        }
        guard interruptReason == nil else { throw RunInterrupted() }
        let console = self.console
        let total = agents.count
        let launcher = self.launcher
        let launch = Task {
            try await launcher.launchAll(userData) { started in
                if started % 50 == 0 || started == total { console.progress("started \(started) of \(total) agents") }
            }
        }
        staging = launch
        let outcome = await launch.result
        staging = nil
        guard state == .staging else { fatalError("RunCoordinator.stageAgents: state changed to \(state) while launching") }
        guard interruptReason == nil else { throw RunInterrupted() }
        try outcome.get()
    }

    /// Waits until every agent said Hello; fails naming the missing ones and their logs.
    func awaitJoins() async throws {
        expect(.staging, "awaitJoins")
        state = .joining
        let total = topology.agents.count
        let began = clock.now
        let joined = await wait(until: began + settings.joinTimeout) {
            channel.roster.joinedCount == total || !earlyExits.isEmpty
        }
        expect(.joining, "awaitJoins")
        guard interruptReason == nil else { throw RunInterrupted() }
        if !earlyExits.isEmpty {
            var parts: [String] = []
            for (id, how) in earlyExits.sorted(by: { $0.key < $1.key }).prefix(5) {
                let tail = await launcher.logTail(agentID: id)
                parts.append("\(id) (\(how)\(tail.map { "; log: \($0.replacingOccurrences(of: "\n", with: " | "))" } ?? ""))")
            }
            let more = earlyExits.count > 5 ? " and \(earlyExits.count - 5) more" : ""
            throw RunError(
                "\(earlyExits.count) agent(s) exited before joining: " + parts.joined(separator: ", ") + more
                    + "; check the agent binary (--agent-binary) and the logs in the run folder")
        }
        guard joined else {
            let missing = channel.roster.notJoined()
            throw RunError(
                "\(missing.count) of \(total) agents did not join within \(settings.joinTimeout.secondsText): "
                    + (await describe(missing)) + "; check the agents' logs in the run folder and that nothing blocks 127.0.0.1")
        }
        // On a VM cloud this is the boot-to-Hello time of the slowest VM.
        let took = began.duration(to: clock.now)
        console.progress("all \(total) agents joined, \(String(format: "%.1f", Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)) s after the last started")
    }

    /// Prepares servers, waits for them READY, then clients.
    func prepareAgents() async throws {
        expect(.joining, "prepareAgents")
        state = .preparing
        let tool = configuration.client.httpTool
        for server in topology.servers {
            var params = Kb_V1_HttpServerParams()
            params.port = UInt32(Self.serverPort)
            params.htmlSizeBytes = UInt64(configuration.server.htmlSize)
            params.expectedConnections = UInt32(tool.connections)
            var prepare = Kb_V1_Prepare()
            prepare.role = .httpServer(params)
            publish(.prepare(prepare), topic: server.id, to: [server.id])
        }
        try await awaitReady(topology.servers.map(\.id), role: "server")
        for client in topology.clients {
            let server = topology.server(of: client)
            var params = Kb_V1_HttpClientParams()
            // The address the server reported in its Hello: a VM's own view of its address
            // (the planned fixed IP on a real cloud, a loopback address under the simulator).
            let target = channel.roster.entry(server.id)?.address ?? server.address
            params.targetURL = "http://\(target):\(Self.serverPort)/"
            params.connections = UInt32(tool.connections)
            params.threads = UInt32(tool.threads)
            params.rateLimit = Double(tool.rateLimit ?? 0)
            params.timeoutMs = UInt64(tool.timeout.inSeconds * 1000)
            params.sendWindowUs = tool.rateLimit == nil ? 0 : UInt64(tool.sendWindow.inSeconds * 1_000_000)
            params.reportIntervalMs = UInt64(settings.reportInterval.inSeconds * 1000)
            params.closeEachRequest = tool.connectionType == .new
            params.sourceAddress = channel.roster.entry(client.id)?.address ?? client.address
            var prepare = Kb_V1_Prepare()
            prepare.role = .httpClient(params)
            publish(.prepare(prepare), topic: client.id, to: [client.id])
        }
        try await awaitReady(topology.clients.map(\.id), role: "client")
        console.progress("all \(topology.agents.count) agents ready")
    }

    /// The port every server listens on: each has its own address, so one port serves all.
    static let serverPort = 8080

    /// Waits until `ids` are READY; fails naming those that failed, refused or stayed silent.
    private func awaitReady(_ ids: [String], role: String) async throws {
        let ready = await wait(until: clock.now + settings.prepareTimeout) {
            ids.allSatisfy { id in
                let phase = channel.roster.phase(of: id)
                return phase == .ready || phase?.isGone == true || channel.rejections[id] != nil
            }
        }
        expect(.preparing, "awaitReady")
        guard interruptReason == nil else { throw RunInterrupted() }
        var problems: [String] = []
        for id in ids {
            switch channel.roster.phase(of: id) {
            case .ready: continue
            case .failed(let detail): problems.append("\(id) failed: \(detail)")
            case .lost(let reason): problems.append("\(id) lost: \(reason)")
            default:
                problems.append(channel.rejections[id].map { "\(id) refused Prepare: \($0)" } ?? "\(id) not ready")
            }
        }
        guard ready, problems.isEmpty else {
            var tails: [String] = []
            for id in ids.lazy.filter({ self.channel.roster.phase(of: $0) != .ready }).prefix(Self.namedAtMost) {
                if let tail = await launcher.logTail(agentID: id) { tails.append("\n--- \(id) log tail ---\n\(tail)") }
            }
            throw RunError(
                "\(role) agents could not be prepared within \(settings.prepareTimeout.secondsText): "
                    + Self.listed(problems, separator: "; ") + tails.joined())
        }
    }

    /// "a, b, c" with each agent's log tail (the first `namedAtMost` of them).
    func describe(_ ids: [String]) async -> String {
        var parts: [String] = []
        for id in ids.prefix(Self.namedAtMost) {
            let tail = await launcher.logTail(agentID: id)
            parts.append(tail.map { "\(id) (log: \($0.replacingOccurrences(of: "\n", with: " | ")))" } ?? id)
        }
        parts += ids.dropFirst(Self.namedAtMost).map { $0 }
        return Self.listed(parts, separator: ", ")
    }

    /// Agents a failure message names one by one; the rest are counted (the result's `agents`
    /// lists them all). A message naming 8,000 agents with their logs helps nobody.
    static let namedAtMost = 10

    /// The first `namedAtMost` of `items`, and how many more.
    static func listed(_ items: [String], separator: String) -> String {
        let named = items.prefix(namedAtMost).joined(separator: separator)
        return items.count > namedAtMost ? named + "\(separator)and \(items.count - namedAtMost) more (every agent is in the result's agents)" : named
    }
}
