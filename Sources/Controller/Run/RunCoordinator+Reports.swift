import Proto

// Interval reports into the running stage: an agent's own, and a relay's merged ones.
extension RunCoordinator {
    /// Takes one IntervalReport into the running stage (clients) or only into liveness (servers).
    func record(_ report: Kb_V1_IntervalReport, from agentID: String) {
        if channel.roster.entry(agentID)?.role == .httpServer, report.hasServer {
            serverRequests[agentID] = (report.server.requests, clock.now)
            return
        }
        guard channel.roster.entry(agentID)?.role == .httpClient, var current = tracker,
            report.stage == current.stage.number, current.isActive.contains(agentID)
        else { return }
        // Mutated as a local and put back on every path: while `tracker` still held it, the
        // first mutation would copy the aggregator's state and the set of taken reports.
        tracker = nil
        defer { tracker = current }
        guard current.taken.insert(.init(agentID: agentID, index: report.index)).inserted else {
            console.progress("dropped a second report of \(agentID) for interval \(report.index)")
            return
        }
        account(report, of: agentID, in: &current)
        merge(report, of: [agentID], group: group(of: agentID), sender: agentID, into: &current)
    }

    /// Takes a relay's interval: each member's counters as if it had reported itself, and the
    /// merged histograms once for all of them, so the stage ends exactly as it would have from
    /// the members' own reports. A relayed interval that does not fit the running stage (a
    /// member that is not one of its active clients, another stage or interval, members of
    /// several groups, a report already taken) is dropped whole and said: its merged part
    /// cannot be taken apart.
    func record(_ relayed: Kb_V1_RelayedInterval, from relayID: String) {
        let merged = relayed.merged
        var clients: [Kb_V1_MemberReport] = []
        for member in relayed.members {
            if channel.roster.entry(member.agentID)?.role == .httpServer, member.report.hasServer {
                serverRequests[member.agentID] = (member.report.server.requests, clock.now)
            } else {
                clients.append(member)
            }
        }
        guard !clients.isEmpty, var current = tracker else { return }
        tracker = nil
        defer { tracker = current }
        // A member without a latency histogram is merged (RelayedIntervalBuilder); one with it
        // is passed on whole, as if it had reported itself.
        let mergedMembers = clients.filter { $0.report.latencyHistogram.isEmpty }
        let groups = Set(mergedMembers.map { group(of: $0.agentID) })
        let fits = merged.stage == current.stage.number && groups.count <= 1
            && clients.allSatisfy {
                channel.roster.entry($0.agentID)?.role == .httpClient && current.isActive.contains($0.agentID)
                    && $0.report.stage == merged.stage && $0.report.index == merged.index
            }
        guard fits else {
            if merged.stage == current.stage.number {
                console.progress("dropped relay \(relayID)'s interval \(merged.index): its members are not all active clients of one group in this stage and interval")
            }
            return
        }
        let keys = clients.map { StageTracker.TakenReport(agentID: $0.agentID, index: $0.report.index) }
        guard Set(keys).count == keys.count, current.taken.isDisjoint(with: keys) else {
            console.progress("dropped relay \(relayID)'s interval \(merged.index): it repeats a report already taken")
            return
        }
        current.taken.formUnion(keys)
        for member in clients {
            account(member.report, of: member.agentID, in: &current)
            let group = group(of: member.agentID)
            if !member.report.latencyHistogram.isEmpty {
                merge(member.report, of: [member.agentID], group: group, sender: member.agentID, into: &current)
            } else {
                // A lag or stage histogram the relay could not decode: rejected here as it
                // would have been from the member itself.
                mergeSideHistograms(member.report, group: group, into: &current)
            }
        }
        if let group = groups.first {
            let ids = mergedMembers.map(\.agentID)
            merge(merged, of: ids, group: group, sender: "relay \(relayID) (\(ids.count) members)", into: &current)
        }
    }

    /// One client's own counters: its totals for the per-agent summary, its CPU, which
    /// intervals it reported and whether it is final.
    private func account(_ report: Kb_V1_IntervalReport, of agentID: String, in current: inout StageTracker) {
        let index = Int(clamping: report.index)
        var totals = agentTotals[agentID] ?? (requests: 0, errors: 0)
        totals.requests += report.requests
        totals.errors += ErrorTally(report.errors).total
        agentTotals[agentID] = totals
        current.result.clientCPUSeconds[agentID, default: 0] += report.cpuUserS + report.cpuSysS
        let times = current.times[index]
        current.times[index] = (
            start: min(times?.start ?? .max, report.startUnixNs), durationNs: max(times?.durationNs ?? 0, report.durationNs))
        current.reported(agentID, index: index)
        if report.final { current.finals.insert(agentID) }
    }

    /// The report's send lag into the stage's, and its stage latency into its group's.
    private func mergeSideHistograms(_ report: Kb_V1_IntervalReport, group: String, into current: inout StageTracker) {
        if !report.lagHistogram.isEmpty {
            // A malformed lag histogram only loses the saturation check's input.
            _ = try? current.merger.add(report.lagHistogram, to: &current.result.engineLag)
        }
        if !report.stageLatencyHistogram.isEmpty {
            current.aggregator.addStage(group: group, latencyHistogram: Array(report.stageLatencyHistogram))
        }
    }

    /// The report's latencies, lag and counters into its interval (or, late, into the closed
    /// one) and its stage histogram into `group`, on behalf of `agents`.
    private func merge(
        _ report: Kb_V1_IntervalReport, of agents: [String], group: String, sender: String, into current: inout StageTracker
    ) {
        let index = Int(clamping: report.index)
        let errors = ErrorTally(report.errors)
        let codes = Dictionary(report.statusCodes.map { (Int($0.key), $0.value) }, uniquingKeysWith: +)
        mergeSideHistograms(report, group: group, into: &current)
        if index <= current.closedThrough {
            // Late: its interval was printed already; it goes into that interval (JSON, state
            // store, hlog) and the stage's totals alike, so they always add up.
            var latency = Histogram()
            if !report.latencyHistogram.isEmpty {
                guard (try? latency.add(decodingV2: Array(report.latencyHistogram))) != nil else { return }
                do { try current.result.latency.add(latency) } catch { fatalError("RunCoordinator: \(error)") }
            }
            current.result.count(
                requests: report.requests, bytesRead: report.bytesRead, errors: errors, statusCodes: codes,
                maxUs: report.latencyMaxUs)
            mergeLate(
                stage: Int(current.stage.number), index: index, from: sender, latency: latency,
                requests: report.requests, bytesRead: report.bytesRead, errors: errors, maxUs: report.latencyMaxUs)
            return
        }
        let interval = AgentInterval(
            agentID: agents.first ?? sender, group: group, index: index, requests: report.requests,
            bytesRead: report.bytesRead, errors: errors, statusCodes: codes,
            latencyHistogram: Array(report.latencyHistogram), latencyMaxMicroseconds: report.latencyMaxUs,
            members: agents.count > 1 ? agents : nil)
        current.aggregator.add(interval)
        current.groups?.add(interval)
    }
}
