// The trust panel (can these numbers be believed?) and the configuration used.
extension HTMLReport {
    /// Per run: requested against achieved rate, the client engine's own lag, client CPU,
    /// agents lost, clock offsets and the verdict. Figures an older result lacks say so.
    func trustPanel(_ runs: [ReportRun]) -> String {
        var html = "<section id=\"trust\"><h2>Trust</h2>\n<p class=\"note\">What decides whether a run measured the cloud and not "
            + "itself: the rate it reached, how late the client engine sent (lag above 50\u{202F}ms at p99 means the client set the pace), "
            + "how busy the client agents were (above 90\u{202F}% of their engine threads), and whether every agent stayed.</p>\n"
        for run in runs {
            let d = run.document
            if runs.count > 1 { html += "<h3>\(swatch(run))\(ReportText.escape(run.name))</h3>" }
            if !d.kbResult.isEmpty {
                html += "<div class=\"scroll\"><table><tr><th>stage</th><th>requested</th><th>achieved</th><th>of requested</th>"
                    + "<th>engine lag p99</th><th>engine lag max</th><th class=\"text\">busiest client (CPU of its engine threads)</th>"
                    + "<th class=\"text\">agents lost or failed</th><th>verdict</th></tr>"
                for entry in d.kbResult {
                    var cells: [String] = ["\(entry.stage)"]
                    if entry.httpRateLimit > 0 {
                        let share = entry.httpRps / Double(entry.httpRateLimit) * 100
                        cells += [ReportText.figure(entry.httpRateLimit) + "\u{202F}req/s", ReportText.figure(entry.httpRps, decimals: 1) + "\u{202F}req/s",
                                  (share < 95 ? "<span class=\"warn\">" : "<span>") + ReportText.number(share, decimals: 1) + "\u{202F}%</span>"]
                    } else {
                        cells += ["unlimited", ReportText.figure(entry.httpRps, decimals: 1) + "\u{202F}req/s", "-"]
                    }
                    cells.append(entry.engineLagP99Us.map { lag in (lag > 50_000 ? "<span class=\"warn\">" : "<span>") + ReportText.latency(lag) + "</span>" } ?? "not recorded")
                    cells.append(entry.engineLagMaxUs.map { ReportText.latency($0) } ?? "not recorded")
                    html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined()
                    if let cpu = entry.clientCPUPercent, let busiest = cpu.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
                        let threads = entry.engineThreads.map { " of \($0) thread\($0 == 1 ? "" : "s")" } ?? ""
                        let text = "\(ReportText.escape(busiest.key)): \(ReportText.number(busiest.value, decimals: 1))\u{202F}%\(threads)"
                        html += "<td class=\"text\">" + (busiest.value > 90 ? "<span class=\"warn\">\(text)</span>" : text) + "</td>"
                    } else {
                        html += "<td class=\"text\">not recorded</td>"
                    }
                    let problems = entry.agentProblems.map { $0.isEmpty ? "none" : ReportText.escape($0.joined(separator: "; ")) } ?? "not recorded"
                    html += "<td class=\"text\">\(problems)</td>"
                    html += entry.verdict == .ok ? "<td class=\"better\">ok</td>" : "<td class=\"worse\">NOT OK</td>"
                    html += "</tr>"
                }
                html += "</table></div>\n"
            }
            html += "<p>" + clockOffsets(d) + "</p>\n"
            let gone = d.agents.filter { $0.status != "ok" }
            if gone.isEmpty {
                html += "<p>Agents: all \(d.agents.count) joined and stayed.</p>\n"
            } else {
                let items = gone.map { "<li>\(ReportText.escape($0.id)) (\(ReportText.escape($0.role))): \(ReportText.escape($0.status))\($0.detail.map { ": " + ReportText.escape($0) } ?? "")</li>" }
                html += "<p class=\"warn\">Agents not ok: \(gone.count) of \(d.agents.count)</p><ul>\(items.joined())</ul>\n"
            }
            html += verdictBox(d.verdict)
        }
        return html + "</section>\n"
    }

    /// What the document says about the agents' clocks.
    private func clockOffsets(_ d: ResultDocument) -> String {
        let measured = d.agents.compactMap { agent in agent.clockOffsetUs.map { (agent.id, $0) } }
        guard let worst = measured.max(by: { $0.1.magnitude < $1.1.magnitude }) else {
            return "Clock offsets: not in this result (it was written before the controller recorded them)."
        }
        let sorted = measured.map(\.1).sorted()
        let median = sorted[sorted.count / 2]
        return "Clock offsets (controller clock minus agent clock at each agent's Hello; they include the Hello's one-way delay): "
            + "\(measured.count) agent\(measured.count == 1 ? "" : "s"), median \(signed(median)), largest \(signed(worst.1)) at \(ReportText.escape(worst.0)). "
            + "Interval times are converted to the controller's clock by each agent's own NTP-style estimate."
    }

    private func signed(_ microseconds: Int64) -> String {
        (microseconds < 0 ? "-" : "+") + ReportText.latency(Int64(microseconds.magnitude))
    }

    /// The effective configuration of each run, folded away.
    func configuration(_ runs: [ReportRun]) -> String {
        var html = "<section id=\"config\"><h2>Configuration</h2>\n"
        for run in runs {
            let title = runs.count > 1 ? "\(ReportText.escape(run.name)): configuration used" : "Configuration used (effective YAML)"
            if let yaml = run.document.config, !yaml.isEmpty {
                html += "<details><summary>\(title)</summary><pre>\(ReportText.escape(yaml))</pre></details>\n"
            } else {
                html += "<p class=\"note\">\(title): not in this result (written by an older kloudbuster; `kloudbuster runs show \(ReportText.escape(run.document.runID)) --config` prints it).</p>\n"
            }
        }
        return html + "</section>\n"
    }
}
