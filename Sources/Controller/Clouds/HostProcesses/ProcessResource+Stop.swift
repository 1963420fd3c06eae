#if canImport(Glibc)
import Glibc
#endif

extension ProcessResource {
    /// How long a process may take to disappear after SIGKILL before it counts as stuck.
    static let killTimeout: Duration = .seconds(5)
    /// How often a stopping process is looked at.
    static let pollInterval: Duration = .milliseconds(10)

    /// Stops the process a ledger row describes, without touching the ledger.
    func stop(_ resource: ResourceRecord, grace: Duration) async throws -> DeletionOutcome {
        let leftovers = ProcessSweep(resource: resource, ledger: ledger)
        let identity: ProcessIdentity
        if let recorded = resource.processIdentity {
            identity = recorded
        } else if let found = Self.findByMarker(Self.marker(run: resource.runID, id: resource.id)) {
            // The controller stopped between spawn and markCreated, or (an older controller)
            // recorded a pid without its start time: the marker in its environment is proof.
            identity = found
        } else {
            return try await leftovers.finish(.alreadyGone(
                resource.pid.map { "pid \($0) no longer carries the resource's marker" }
                    ?? "never started: no pid recorded and no process carries its marker"))
        }

        guard let stat = ProcessStat.read(pid: identity.pid) else {
            // Gone itself; what it started (nginx and its workers) may not be.
            Self.sweepGroup(identity.pid)
            return try await leftovers.finish(.alreadyGone("pid \(identity.pid) had exited"))
        }
        guard stat.startTime == identity.startTime else {
            return .alreadyGone(
                "pid \(identity.pid) now belongs to another process (started at tick \(stat.startTime), "
                    + "recorded \(identity.startTime)); not signalled")
        }
        if stat.state == "Z" || stat.state == "X" {
            Self.sweepGroup(identity.pid)
            Self.reap(identity.pid)
            return try await leftovers.finish(.alreadyGone("pid \(identity.pid) had exited"))
        }

        Self.killGroup(identity.pid, signal: SIGTERM)
        if try await Self.waitUntilGone(identity, within: grace) {
            Self.sweepGroup(identity.pid)
            return try await leftovers.finish(.deleted)
        }
        Self.killGroup(identity.pid, signal: SIGKILL)
        if try await Self.waitUntilGone(identity, within: Self.killTimeout) {
            Self.sweepGroup(identity.pid)
            return try await leftovers.finish(.deleted)
        }
        throw ProcessResourceError(
            operation: "stop pid \(identity.pid)", resource: resource.name,
            reason: "it survived SIGTERM and, for \(Self.killTimeout), SIGKILL",
            remedy: "it is probably stuck in the kernel: check `ps -o pid,stat,wchan -p \(identity.pid)`, then run `kloudbuster cleanup --run \(resource.runID)` again")
    }

    /// Waits until the process has exited (reaping it if it is our child), or `limit` passes.
    static func waitUntilGone(_ identity: ProcessIdentity, within limit: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while true {
            if isGone(identity) { return true }
            if clock.now >= deadline { return false }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// True when the recorded process no longer runs. The start time is checked *before*
    /// waitpid, so this never reaps (and steals the exit status of) a different child that
    /// happens to have the pid.
    static func isGone(_ identity: ProcessIdentity) -> Bool {
        guard let stat = ProcessStat.read(pid: identity.pid), stat.startTime == identity.startTime else {
            return true
        }
        if stat.state == "Z" || stat.state == "X" {
            // Reaped here if it is our child; otherwise its parent (or init) reaps it.
            reap(identity.pid)
            return true
        }
        return false
    }

    /// SIGKILLs what is left of the group a stopped process led (nginx workers whose master
    /// was killed). A group id cannot be handed out as a new pid while members remain, so an
    /// existing group is still the one we started.
    static func sweepGroup(_ leader: Int32) {
        if kill(-leader, 0) == 0 {
            kill(-leader, SIGKILL)
        }
    }

    /// The process whose environment carries `KB_LEDGER_RESOURCE=<marker>`, if any.
    static func findByMarker(_ marker: String) -> ProcessIdentity? {
        let entry = Array("\(markerVariable)=\(marker)".utf8)
        for pid in ProcessSweep.allPIDs() where pid != getpid() && ProcessSweep.hasEnvironmentEntry(pid, entry) {
            if let identity = ProcessIdentity.of(pid: pid) { return identity }
        }
        return nil
    }
}
