import Proto

// The stage table (KloudBuster's kb_result columns) and the per-group table.
extension HTMLReport {
    /// One table per run, a row per stage, with KloudBuster's columns and the latency
    /// percentiles; stop reasons and stage verdicts under it.
    func stageTables(_ runs: [ReportRun]) -> String {
        var html = "<section id=\"stages\"><h2>Stages</h2>\n"
        for run in runs {
            if runs.count > 1 { html += "<h3>\(swatch(run))\(ReportText.escape(run.name))</h3>" }
            let d = run.document
            guard !d.kbResult.isEmpty else {
                html += "<p class=\"note\">No stage ran.</p>\n"
                continue
            }
            let percentiles = ResultDocument.percentiles
            html += "<div class=\"scroll\"><table><tr><th>stage</th><th class=\"text\">description</th><th>rps</th><th>requests</th>"
                + "<th>socket errors</th><th>timeouts</th><th>throughput</th><th>rate limit</th><th>connections</th>"
                + "<th>client VMs</th><th>server VMs</th>"
                + percentiles.map { "<th>p\(ReportText.number($0, decimals: 3))</th>" }.joined() + "<th>verdict</th></tr>"
            for entry in d.kbResult {
                let stats = Dictionary(entry.latencyStats.map { ($0.percentile, $0.microseconds) }, uniquingKeysWith: { a, _ in a })
                let cells = [
                    "\(entry.stage)", ReportText.figure(entry.httpRps, decimals: 1), ReportText.figure(entry.httpTotalReq),
                    ReportText.figure(entry.httpSockErr), ReportText.figure(entry.httpSockTimeout),
                    ReportText.figure(entry.httpThroughputKbytes, decimals: 1) + "\u{202F}KB/s",
                    entry.httpRateLimit > 0 ? ReportText.figure(entry.httpRateLimit) + "\u{202F}req/s" : "unlimited",
                    ReportText.figure(entry.totalConnections), ReportText.figure(entry.totalClientVms), ReportText.figure(entry.totalServerVms),
                ]
                html += "<tr><td>\(cells[0])</td><td class=\"text\">\(ReportText.escape(entry.description))</td>"
                html += cells.dropFirst().map { "<td>\($0)</td>" }.joined()
                html += percentiles.map { p in "<td>\(stats[p].map { ReportText.latency($0) } ?? "-")</td>" }.joined()
                html += entry.verdict == .ok ? "<td class=\"better\">ok</td>" : "<td class=\"worse\">NOT OK</td>"
                html += "</tr>"
            }
            html += "</table></div>\n"
            for entry in d.kbResult {
                if let reason = entry.stopReason { html += "<p class=\"note\">Stage \(entry.stage) stopped the progression: \(ReportText.escape(reason))</p>" }
                for reason in entry.verdict.reasons { html += "<p class=\"warn\">Stage \(entry.stage): \(ReportText.escape(reason))</p>" }
            }
            let e = d.errors
            html += "<p class=\"note\">Errors of the run: connect \(e.connect), read \(e.read), write \(e.write), timeout \(e.timeout), status \(e.status), parse \(e.parse)."
            let codes = d.statusCodes.sorted { $0.key < $1.key }.map { "\(ReportText.escape($0.key)) ×\(ReportText.figure($0.value))" }
            html += codes.isEmpty ? "</p>\n" : " Status codes: \(codes.joined(separator: ", ")).</p>\n"
        }
        return html + "</section>\n"
    }

    /// The clients grouped by their server group: per stage and group the merged totals and
    /// percentiles when the document has them (`kb_result[].groups`), and per group the agents
    /// and how they ended (`agents[].group`).
    func groupTables(_ runs: [ReportRun]) -> String {
        var html = "<section id=\"groups\"><h2>By server group</h2>\n"
        for run in runs {
            if runs.count > 1 { html += "<h3>\(swatch(run))\(ReportText.escape(run.name))</h3>" }
            let d = run.document
            let stageGroups = d.kbResult.flatMap { entry in (entry.groups ?? []).map { (entry.stage, $0) } }
            if !stageGroups.isEmpty {
                html += "<div class=\"scroll\"><table><tr><th>stage</th><th class=\"text\">group</th><th>clients</th><th>requests</th><th>rps</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th></tr>"
                for (stage, group) in stageGroups {
                    let cells = [
                        ReportText.figure(group.clients), ReportText.figure(group.requests), ReportText.figure(group.requestsPerSecond, decimals: 1),
                        ReportText.figure(group.errors),
                    ] + [group.p50Us, group.p90Us, group.p99Us, group.p999Us].map { $0.map { ReportText.latency($0) } ?? "-" }
                    html += "<tr><td>\(stage)</td><td class=\"text\">\(ReportText.escape(group.name))</td>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
                }
                html += "</table></div>\n"
            }
            let byGroup = Dictionary(grouping: d.agents) { $0.group ?? "-" }
            guard !d.agents.isEmpty else {
                html += "<p class=\"note\">The result lists no agents.</p>\n"
                continue
            }
            if d.agents.allSatisfy({ $0.group == nil }) {
                html += "<p class=\"note\">This result does not record the agents' server groups (written by an older kloudbuster); all agents are shown as one group.</p>"
            }
            html += "<div class=\"scroll\"><table><tr><th class=\"text\">group</th><th>server VMs</th><th>client VMs</th><th>client requests</th><th>served requests</th><th>client errors</th><th class=\"text\">agents not ok</th></tr>"
            for name in byGroup.keys.sorted(by: Self.naturalOrder) {
                let agents = byGroup[name] ?? []
                let servers = agents.filter { $0.role == "http-server" }, clients = agents.filter { $0.role == "http-client" }
                let troubled = agents.filter { $0.status != "ok" }.map { "\($0.id): \($0.status)" + ($0.detail.map { " (\($0))" } ?? "") }
                let cells = [servers.count, clients.count].map { ReportText.figure($0) } + [
                    ReportText.figure(clients.reduce(UInt64(0)) { $0 + $1.requests }), ReportText.figure(servers.reduce(UInt64(0)) { $0 + $1.requests }),
                    ReportText.figure(clients.reduce(UInt64(0)) { $0 + $1.errors }),
                ]
                html += "<tr><td class=\"text\">\(ReportText.escape(name))</td>" + cells.map { "<td>\($0)</td>" }.joined()
                html += "<td class=\"text\">\(troubled.isEmpty ? "none" : ReportText.escape(troubled.joined(separator: "; ")))</td></tr>"
            }
            html += "</table></div>\n"
        }
        return html + "</section>\n"
    }

    /// A small square of the run's colour.
    func swatch(_ run: ReportRun) -> String {
        "<span class=\"swatch\" style=\"background:\(run.colour)\"></span>"
    }

    /// `tenant-2` before `tenant-10`.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let number = { (text: String) in Int(text.reversed().prefix { $0.isNumber }.reversed().map(String.init).joined()) }
        let stemA = a.reversed().drop { $0.isNumber }, stemB = b.reversed().drop { $0.isNumber }
        if String(stemA) == String(stemB), let x = number(a), let y = number(b) { return x < y }
        return a < b
    }
}
