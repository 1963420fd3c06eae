@testable import Controller
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Looks at processes through /proc, as an operator would.
enum ProcFS {
    /// True when the pid is a process that has not exited (zombies count as gone).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.state != "Z" && stat.state != "X"
    }

    /// A field of /proc/<pid>/status, e.g. "SigBlk".
    static func status(_ pid: Int32, _ key: String) -> String? {
        guard let text = ProcessStat.readSmallFile("/proc/\(pid)/status") else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(key + ":") }
            .map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) }
    }

    /// A signal mask field of /proc/<pid>/status ("SigBlk", "SigIgn"); bit n-1 is signal n.
    static func signalMask(_ pid: Int32, _ key: String) -> UInt64 {
        status(pid, key).flatMap { UInt64($0, radix: 16) } ?? .max
    }

    /// The descriptors the process has open.
    static func openDescriptors(_ pid: Int32) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap(Int.init).sorted()
    }

    /// Pids of the group's members that have not exited.
    static func runningMembers(ofGroup group: Int32) -> [Int32] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        return pids.filter { pid in
            guard let text = ProcessStat.readSmallFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else {
                return false
            }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state), fields[2] is field 5 (process group).
            return fields.count > 2 && fields[2] == "\(group)" && fields[0] != "Z" && fields[0] != "X"
        }
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Kills what a failed test left behind, only if it is still the process that was started.
    static func killIfStillOurs(_ identity: ProcessIdentity?) {
        guard let identity, identity.isAlive else { return }
        kill(-identity.pid, SIGKILL)
        kill(identity.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(identity.pid, &status, 0)
    }
}

@Suite struct ProcessResourceTests {
    @Test("spawn records the pid and start time at once, isolates the child, and terminate stops it with SIGTERM")
    func spawnAndTerminate() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let processes = ProcessResource(ledger: ledger)
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        // A descriptor the controller left inheritable must not reach the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }

        let record = try processes.spawn(run: run.id, name: "\(run.id)-sleeper", executable: "/bin/sleep", arguments: ["60"])
        defer { ProcFS.killIfStillOurs(record.processIdentity) }
        let pid = try #require(record.pid)
        let row = try #require(try ledger.resource(record.id))
        #expect(row.state == .created)
        #expect(row.pid == pid)
        #expect(row.pidStartTime == ProcessStat.read(pid: pid)?.startTime)
        #expect(row.kind == .process && row.cloud == "local")

        #expect(getpgid(pid) == pid, "its own process group, out of reach of the terminal's Ctrl-C")
        // Signals 1-31; glibc keeps 32 and 33 for itself and posix_spawn leaves them alone.
        #expect(ProcFS.signalMask(pid, "SigBlk") & 0x7fff_ffff == 0, "no signal blocked, whatever the parent blocks")
        #expect(ProcFS.signalMask(pid, "SigIgn") & 0x7fff_ffff == 0, "no signal ignored")
        // The dynamic loader briefly opens libraries as fd 3 after exec; an inherited
        // descriptor would stay.
        #expect(await ProcFS.eventually { ProcFS.openDescriptors(pid) == [0, 1, 2] }, "\(ProcFS.openDescriptors(pid))")
        // A vfork parent resumes while exec is still laying out the new environment, so
        // /proc/<pid>/environ can read empty for a moment.
        let marker = "\(ProcessResource.markerVariable)=\(run.id)/\(record.id.rawValue)"
        #expect(await ProcFS.eventually { ProcessStat.readSmallFile("/proc/\(pid)/environ")?.contains(marker) == true })
        let logs = try processes.logFiles(run: run.id, name: record.name)
        #expect(FileManager.default.fileExists(atPath: logs.stdout.path))
        #expect(FileManager.default.fileExists(atPath: logs.stderr.path))
        #expect(logs.stdout.path.hasPrefix(dir.url.appendingPathComponent("runs/\(run.id)").path))

        let started = ContinuousClock.now
        let outcome = try await processes.terminate(row, grace: .seconds(10))
        #expect(outcome == .deleted)
        // The SIGKILL fallback comes only after the 10 s grace; well under it means SIGTERM did it,
        // however loaded the machine is.
        #expect(ContinuousClock.now - started < .seconds(8), "SIGTERM, not the SIGKILL fallback, stopped it")
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"), "stopped and reaped")
        #expect(try ledger.resource(record.id)?.state == .deleted)
    }

    @Test("a process group that ignores SIGTERM is SIGKILLed after the grace period, children included")
    func killFallback() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let processes = ProcessResource(ledger: ledger)
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let record = try processes.spawn(
            run: run.id, name: "\(run.id)-stubborn", executable: "/bin/sh",
            arguments: ["-c", "trap '' TERM; /bin/sleep 60 & wait; wait"])
        defer { ProcFS.killIfStillOurs(record.processIdentity) }
        let pid = try #require(record.pid)
        #expect(await ProcFS.eventually { ProcFS.runningMembers(ofGroup: pid).count == 2 }, "sh and its sleep")

        let started = ContinuousClock.now
        let outcome = try await processes.terminate(record, grace: .milliseconds(300))
        #expect(outcome == .deleted)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(await ProcFS.eventually { ProcFS.runningMembers(ofGroup: pid).isEmpty }, "no member of its group survives")
        #expect(try ledger.resource(record.id)?.state == .deleted)
    }

    @Test("a recorded pid that now belongs to another process is not signalled, and is marked gone")
    func recycledPidIsNotKilled() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let processes = ProcessResource(ledger: ledger)
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let bystander = try processes.spawn(run: run.id, name: "\(run.id)-bystander", executable: "/bin/sleep", arguments: ["60"])
        defer { ProcFS.killIfStillOurs(bystander.processIdentity) }
        let identity = try #require(bystander.processIdentity)

        let stale = try ledger.intend(run: run.id, kind: .process, name: "\(run.id)-old-agent", cloud: "local")
        try ledger.markCreated(stale, pid: identity.pid, pidStartTime: identity.startTime - 1)
        let outcome = try await processes.terminate(try #require(try ledger.resource(stale)), grace: .seconds(1))

        guard case .alreadyGone(let reason) = outcome else {
            Issue.record("expected alreadyGone, got \(outcome)")
            return
        }
        #expect(reason.contains("not signalled"))
        try await Task.sleep(for: .milliseconds(100))
        #expect(identity.isAlive, "the process that owns the pid now is untouched")
        let row = try #require(try ledger.resource(stale))
        #expect(row.state == .deleted)
        #expect(row.error?.contains("another process") == true)
        #expect(try await processes.terminate(bystander) == .deleted)
    }

    @Test("a program that cannot be spawned leaves its row deleted with the reason, and says what to do")
    func spawnFailure() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let error = #expect(throws: ProcessResourceError.self) {
            try ProcessResource(ledger: ledger).spawn(
                run: run.id, name: "\(run.id)-ghost", executable: "/nonexistent/kb-agent")
        }
        #expect(error?.description.contains("/nonexistent/kb-agent") == true)
        #expect(error?.description.contains("install it or give its absolute path") == true)
        let rows = try ledger.resources(run: run.id)
        #expect(rows.count == 1)
        #expect(rows.first?.state == .deleted)
        #expect(rows.first?.error?.contains("never started") == true)
        #expect(try ledger.liveResources(run: run.id).isEmpty)
    }

    @Test("a name that cannot name a log file is refused before anything is recorded")
    func badName() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        #expect(throws: ProcessResourceError.self) {
            try ProcessResource(ledger: ledger).spawn(run: run.id, name: "\(run.id)/x", executable: "/bin/true")
        }
        #expect(try ledger.resources(run: run.id).isEmpty)
    }
}
