import Foundation
import Proto

// The end of every run, whatever happened before: Abort, results, cleanup.
extension RunCoordinator {
    /// Aborts the agents, writes and stores the result, and cleans up.
    func finish(failure: String?) async -> Outcome {
        state = .finishing
        await awaitServerCounts()
        guard state == .finishing else { fatalError("RunCoordinator.finish: state changed to \(state) while counting") }
        let live = Set(channel.roster.entries.filter { $0.hasJoined && !$0.phase.isGone }.map(\.id))
        var abort = Kb_V1_Abort()
        abort.reason = failure.map { "controller: run failed: \($0)" } ?? interruptReason.map { "controller: \($0)" } ?? "run complete"
        let seq = publish(.abort(abort), topic: Kb_V1_Command.topicAll, to: live)
        // Wait briefly for the acknowledgements, so agents stop nginx themselves before
        // cleanup signals what is left; the ledger deletes the rest either way.
        let deadline = clock.now + settings.abortWait
        while clock.now < deadline, channel.delivery.pendingAgents(commandSeq: seq) != nil {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard state == .finishing else { fatalError("RunCoordinator.finish: state changed to \(state) while aborting") }
        // Nothing more goes over the wire: the link closes before results and cleanup, which can
        // take minutes on a cloud. An open link then only risks libzmq 4.3.4's abort
        // (`!_io_error`, stream_engine_base.cpp:331) as the agents' connections close, which
        // killed the controller mid-cleanup. (A short block: the sockets linger 100 ms.)
        let link = self.link
        await Task.detached { link.close() }.value

        let status = endStatus(failure: failure)
        let document = resultDocument(status: status, failure: failure)
        let files = writeResults(document)
        console.summary(document, files: [])

        if status == "failed" { try? ledger.setRunStatus(runID, .failed) }
        if status == "interrupted" { try? ledger.setRunStatus(runID, .interrupted) }
        var report: CleanupReport?
        if outputs.cleanup, let cleaner {
            state = .cleaning
            do {
                let done = try await cleaner.clean(run: runID)
                report = done
                console.progress(done.lines.first ?? "cleaned up")
                for line in done.lines.dropFirst() where line.contains("NOT deleted") { console.progress(line) }
            } catch {
                console.progress("cleanup failed: \(error); run `kloudbuster cleanup --run \(runID)`")
            }
            guard state == .cleaning else { fatalError("RunCoordinator.finish: state changed to \(state) while cleaning") }
        } else {
            if status == "done" || status == "stopped" { try? ledger.setRunStatus(runID, .done) }
            console.progress("resources kept (cleanup off): remove them with `kloudbuster cleanup --run \(runID)`")
        }
        state = failure.map { .failed($0) } ?? .done
        if let folder = files.first.map({ URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
            let report = files.first { $0.hasSuffix("/report.html") }.map { "report: open \($0) in a browser; " } ?? ""
            console.progress("results: \(files.joined(separator: ", ")) (\(report)also `kloudbuster runs show \(runID)`; run folder \(folder))")
        } else {
            console.progress("results: stored in the state database only: `kloudbuster runs show \(runID)`")
        }
        return Outcome(status: status, document: document, cleanup: report, files: files)
    }

    /// How the run (or the test just ended) ended: `failed`, `interrupted`, `stopped` (the
    /// progression's stop limit) or `done`.
    func endStatus(failure: String?) -> String {
        if failure != nil { return "failed" }
        if interruptReason != nil { return "interrupted" }
        return stages.last?.stopReason != nil ? "stopped" : "done"
    }

    /// The result of what `stages` and `intervals` hold: the whole run, or in an interactive
    /// run the current test.
    func resultDocument(status: String, failure: String?) -> ResultDocument {
        let record = try? ledger.run(id: runID)
        return ResultDocument(
            runID: runID, cloud: record?.cloud ?? ProcessResource.cloud, label: testLabel ?? outputs.label,
            startedAt: gate == nil ? startedAt : testStartedAt, status: status,
            detail: failure ?? interruptReason ?? stages.last?.stopReason, stages: stages, intervals: intervals,
            agents: agentSummaries(), runReasons: runReasons(status: status, failure: failure),
            config: record?.configYAML ?? configuration.effectiveYAML(), test: gate == nil ? nil : testNumber)
    }

    /// Writes `result.json`, `result.hlog` and `report.html` (the HTML report) into the run
    /// folder, then the copies asked for (`--json`, `--hlog`, `--html`, checked writable before
    /// the run started), and stores the JSON in the state database. Returns the files written,
    /// the run folder's first. With `test`, the test's results go to `<run folder>/test-N/`
    /// only: the copies and the database get the run's last result.
    func writeResults(_ document: ResultDocument, test: Int? = nil) -> [String] {
        var files: [String] = []
        let json: String
        do {
            json = try document.jsonText()
        } catch {
            console.progress("could not encode the result: \(error)")
            return []
        }
        if test == nil { try? ledger.storeResult(run: runID, json: json) }
        let folder: URL?
        do {
            folder = try resultsFolder(test: test)
        } catch {
            console.progress("could not write the results: \(error); the last result is in the state database (`kloudbuster runs show \(runID)`)")
            folder = nil
        }
        let html = HTMLReport(document).render()
        var targets: [(path: String, text: String)] = []
        if let folder {
            targets.append((folder.appendingPathComponent("result.json").path, json))
            targets.append((folder.appendingPathComponent("result.hlog").path, hlog.text))
            targets.append((folder.appendingPathComponent("report.html").path, html))
        }
        if test == nil {
            if let path = outputs.jsonFile { targets.append((path, json)) }
            if let path = outputs.hlogFile { targets.append((path, hlog.text)) }
            if let path = outputs.htmlFile { targets.append((path, html)) }
        }
        for (path, text) in targets {
            do {
                try FileProblem.write(text, to: path)
                files.append(path)
            } catch {
                console.progress("\(error); the result is stored in the state database (`kloudbuster runs show \(runID)`)")
            }
        }
        return files
    }

    /// The run folder, or test N's folder inside it (created).
    private func resultsFolder(test: Int?) throws -> URL {
        let run = try ledger.store.runDirectory(for: runID)
        guard let test else { return run }
        let folder = run.appendingPathComponent("test-\(test)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FileProblem(.write, path: folder.path, error: error)
        }
        return folder
    }

    /// Why the run as a whole cannot be trusted, beyond its stages' reasons: it failed or was
    /// interrupted, agents were lost or failed outside a stage, or nginx served other numbers
    /// of requests than the run's clients sent (traffic from elsewhere reached the servers).
    func runReasons(status: String, failure: String?) -> [String] {
        var reasons: [String] = []
        if let failure { reasons.append("the run failed: \(failure)") }
        if status == "interrupted" { reasons.append("the run was interrupted (\(interruptReason ?? "signal")): its last stage is partial") }
        if stages.isEmpty, failure == nil, status != "interrupted" { reasons.append("no stage ran") }
        let inStages = Set(stages.flatMap(\.agentProblems))
        for (agentID, what) in troubles where !inStages.contains("\(agentID) \(what)") {
            reasons.append("agent \(agentID) \(what)")
        }
        let clients = topology.clients.reduce(UInt64(0)) { $0 + (agentTotals[$1.id]?.requests ?? 0) }
        let clientErrors = topology.clients.reduce(UInt64(0)) { $0 + (agentTotals[$1.id]?.errors ?? 0) }
        let counted = topology.servers.compactMap { server in serverRequests[server.id].map { served($0.requests, by: server.id) } }
        let clientTrouble = troubles.contains { trouble in topology.clients.contains { $0.id == trouble.agentID } }
        if failure == nil, !clientTrouble, counted.count == topology.servers.count, !stages.isEmpty {
            let served = counted.reduce(0, +)
            // nginx may count a request the client gave up on (a timeout); nothing else differs.
            let slack = clientErrors + clients / 200
            if served > clients + slack {
                reasons.append("the servers served \(served) requests but this run's clients sent at most \(clients + clientErrors): traffic from elsewhere reached them")
            } else if served + slack < clients {
                reasons.append("the servers served \(served) requests but this run's clients counted \(clients) responses")
            }
        }
        return reasons
    }

    /// Waits (3 s at most) for a report from every live server sent after the clients
    /// stopped, so that nginx's count of served requests is final when the result is written.
    func awaitServerCounts() async {
        let mark = clock.now
        let servers = channel.roster.entries.filter { $0.role == .httpServer && $0.hasJoined && !$0.phase.isGone }.map(\.id)
        let deadline = mark + .seconds(3)
        while clock.now < deadline, servers.contains(where: { (serverRequests[$0]?.at ?? mark) <= mark }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// What server `agentID`'s nginx served in this test, out of `count` since it started.
    func served(_ count: UInt64, by agentID: String) -> UInt64 {
        let base = serverBaseline[agentID] ?? 0
        return count > base ? count - base : 0
    }

    /// Every agent's summary, in staging order.
    func agentSummaries() -> [AgentSummary] {
        topology.agents.map { agent in
            let entry = channel.roster.entry(agent.id)
            var status = "ok"
            var detail: String?
            switch entry?.phase {
            case .lost(let reason): status = "lost"; detail = reason
            case .failed(let reason): status = "failed"; detail = reason
            default: if entry?.hasJoined != true { status = "never joined" }
            }
            if status == "ok", let rejection = channel.rejections[agent.id] { status = "failed"; detail = rejection }
            let totals = agentTotals[agent.id] ?? (requests: 0, errors: 0)
            // A server's requests are those its nginx served (stub_status, less the agent's polls).
            let requests = agent.role == .httpServer ? served(serverRequests[agent.id]?.requests ?? 0, by: agent.id) : totals.requests
            return AgentSummary(
                id: agent.id, role: agent.role.rawValue, address: channel.roster.entry(agent.id)?.address ?? agent.address, status: status,
                joined: entry?.hasJoined ?? false, lost: status == "lost", requests: requests,
                errors: totals.errors, detail: detail, group: "tenant-\(agent.tenant)",
                clockOffsetUs: channel.helloClockOffsets[agent.id].map { $0 / 1_000 })
        }
    }
}
