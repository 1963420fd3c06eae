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

        let status: String
        if failure != nil {
            status = "failed"
        } else if interruptReason != nil {
            status = "interrupted"
        } else if stages.last?.stopReason != nil {
            status = "stopped"
        } else {
            status = "done"
        }
        let document = ResultDocument(
            runID: runID, cloud: (try? ledger.run(id: runID))?.cloud ?? ProcessResource.cloud, label: outputs.label, startedAt: startedAt, status: status,
            detail: failure ?? interruptReason ?? stages.last?.stopReason, stages: stages, intervals: intervals,
            agents: agentSummaries())
        var files: [String] = []
        do {
            let json = try document.jsonText()
            try? ledger.storeResult(run: runID, json: json)
            if let path = outputs.jsonFile {
                try FileProblem.write(json, to: path)
                files.append(path)
            }
            if let path = outputs.hlogFile {
                try FileProblem.write(hlog.text, to: path)
                files.append(path)
            }
        } catch {
            console.progress("could not write the results: \(error); the result is stored in the state database (`kloudbuster runs show \(runID)`)")
        }
        console.summary(document, files: files)

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
        return Outcome(status: status, document: document, cleanup: report, files: files)
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
            let requests = agent.role == .httpServer ? serverRequests[agent.id]?.requests ?? 0 : totals.requests
            return AgentSummary(
                id: agent.id, role: agent.role.rawValue, address: channel.roster.entry(agent.id)?.address ?? agent.address, status: status,
                joined: entry?.hasJoined ?? false, lost: status == "lost", requests: requests,
                errors: totals.errors, detail: detail)
        }
    }
}
