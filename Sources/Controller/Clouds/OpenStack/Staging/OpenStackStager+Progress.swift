import Foundation

// What staging tells the user: lines (the time since staging began, then what happened), and,
// when the output is a terminal, a bar redrawn in place for the long steps (tenants, VMs).
extension OpenStackStager {
    /// The status line to draw bars on: only when progress goes to a terminal.
    var terminal: StatusLine? {
        status?.isTerminal == true ? status : nil
    }

    /// A progress line, prefixed with the time since staging began.
    func progress(_ text: String) {
        let elapsed = ContinuousClock.now - created
        emit(String(format: "%7.1f s  ", elapsed.inSeconds) + text)
    }

    /// Counts a booted VM: a step of the bar on a terminal, else a line every tenth and at the end.
    func countBooted(total: Int) {
        booted += 1
        if terminal != nil {
            stepBar()
        } else if booted == total || booted % 10 == 0 || total <= 10 {
            progress("\(booted) of \(total) VM(s) active")
        }
    }

    /// Counts a ready tenant: a step of the bar on a terminal, else a line.
    func countTenant(_ index: Int, _ tenant: OpenStackPlan.Tenant) {
        if terminal != nil {
            stepBar()
        } else {
            progress("tenant \(index + 1) of \(plan.tenants.count) ready (\(tenant.side.rawValue) \(tenant.projectName): \(tenant.networks.count) network(s))")
        }
    }

    /// Shows a bar of `total` steps (terminal only), redrawn every half second so its clock runs
    /// while nothing finishes.
    func beginBar(_ label: String, total: Int) {
        guard terminal != nil else { return }
        endBar()
        bar = (ProgressBar(label: label, total: total), ContinuousClock.now)
        drawBar()
        barTicker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                self.drawBar()
            }
        }
    }

    /// One step of the bar done (or failed).
    func stepBar(failed: Bool = false) {
        guard bar != nil else { return }
        if failed { bar!.progress.failed += 1 } else { bar!.progress.done += 1 }
        drawBar()
    }

    /// Draws the bar as it stands.
    func drawBar() {
        guard let bar, let terminal else { return }
        terminal.show(bar.progress.render(elapsed: ContinuousClock.now - bar.started, width: terminal.width))
    }

    /// Leaves the bar's final state as a line, and stops redrawing it.
    func endBar() {
        barTicker?.cancel()
        barTicker = nil
        guard bar != nil else { return }
        drawBar()
        terminal?.finish()
        bar = nil
    }
}
