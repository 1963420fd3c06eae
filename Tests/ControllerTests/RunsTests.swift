@testable import Controller
import ArgumentParser
import Foundation
import Testing

@Suite struct RunsTests {
    /// A state directory with one finished run (result stored) and one crashed run that left
    /// a `/bin/sleep 60` behind.
    static func populated(_ dir: TemporaryStateDirectory) throws -> (finished: RunRecord, crashed: String, process: ProcessIdentity) {
        let ledger = try Ledger(store: dir.store())
        let finished = try ledger.newRun(label: "baseline", cloud: "local", configYAML: "server:\n  number_tenants: 1\n")
        let id = try ledger.intend(run: finished.id, kind: .process, name: "\(finished.id)-agent-0", cloud: "local", address: "127.1.0.2")
        try ledger.markCreated(id, pid: 1, pidStartTime: 1)
        try ledger.markDeleted(id)
        try ledger.storeResult(run: finished.id, json: #"{"kb_result": [{"http_rps": 1234}]}"#)
        try ledger.setRunStatus(finished.id, .done)
        let crashed = try CleanupTests.crashedControllerLeavingASleeper(in: dir)
        return (finished, crashed.run, crashed.process)
    }

    // MARK: runs

    @Test("runs list shows every run with its label, cloud, status, duration and live count")
    func list() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (finished, crashed, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }

        let command = try #require(try RunsCommand.parseAsRoot(["list", "--state-dir", dir.path]) as? RunsCommand.List)
        let lines = try command.render().split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ID") && lines[0].contains("LIVE"))
        let finishedLine = try #require(lines.first { $0.hasPrefix(finished.id) })
        #expect(finishedLine.contains("baseline") && finishedLine.contains("done"))
        #expect(finishedLine.hasSuffix(" 0"))
        let crashedLine = try #require(lines.first { $0.hasPrefix(crashed) })
        #expect(crashedLine.contains("running"), "its controller (this process) is alive")
        #expect(crashedLine.hasSuffix(" 1"))

        let byDefault = try RunsCommand.parseAsRoot(["--state-dir", dir.path])
        #expect(byDefault is RunsCommand.List)
    }

    @Test("a run whose controller is gone is listed as interrupted")
    func interrupted() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (_, crashed, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }
        let store = try dir.store()
        try store.write { db in
            try db.execute(sql: "UPDATE run SET controller_start_time = controller_start_time + 1 WHERE id = ?", arguments: [crashed])
        }
        let list = try #require(try RunsCommand.parseAsRoot(["list", "--state-dir", dir.path]) as? RunsCommand.List)
        #expect(try list.render().split(separator: "\n").contains { $0.hasPrefix(crashed) && $0.contains("interrupted") })
        let show = try #require(try RunsCommand.parseAsRoot(["show", crashed, "--state-dir", dir.path]) as? RunsCommand.Show)
        #expect(try show.render().contains("interrupted (recorded running, but controller pid"))
    }

    @Test("runs show prints the run, its resources with their state, and the stored result")
    func show() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (finished, _, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }
        let command = try #require(
            try RunsCommand.parseAsRoot(["show", finished.id, "--config", "--state-dir", dir.path]) as? RunsCommand.Show)
        let text = try command.render()
        #expect(text.hasPrefix("Run \(finished.id)\n"))
        #expect(text.contains("label: baseline"))
        #expect(text.contains("status: done"))
        #expect(text.contains("Resources (1, 0 live):"))
        #expect(text.split(separator: "\n").contains { $0.contains("\(finished.id)-agent-0") && $0.contains("deleted") && $0.contains("127.1.0.2") })
        #expect(text.contains(#"{"kb_result": [{"http_rps": 1234}]}"#))
        #expect(text.contains("number_tenants: 1"))
        try await command.run()  // prints; must not throw
    }

    @Test("runs show of an unknown id is a usage error that points at runs list, without listing every id")
    func showUnknown() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (finished, crashed, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }
        do {
            _ = try RunsCommand.parseAsRoot(["show", "kb-20200101-0000-dead", "--state-dir", dir.path])
            Issue.record("an unknown run id must not parse")
        } catch {
            #expect(RunsCommand.exitCode(for: error) == .validationFailure)
            let message = RunsCommand.message(for: error)
            #expect(message.hasPrefix("unknown run kb-20200101-0000-dead in \(dir.path)"))
            #expect(message.hasSuffix("`kloudbuster runs list` lists the 2 runs it holds"))
            #expect(!message.contains(finished.id) && !message.contains(crashed))
        }
        // A near miss is named.
        do {
            _ = try RunsCommand.parseAsRoot(["show", String(crashed.dropLast()) + "x", "--state-dir", dir.path])
            Issue.record("an unknown run id must not parse")
        } catch {
            #expect(RunsCommand.message(for: error).contains("(did you mean \(crashed)?)"))
        }
    }

    @Test("runs list on a state directory that does not exist says so and creates nothing")
    func listEmpty() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let command = try #require(try RunsCommand.parseAsRoot(["list", "--state-dir", dir.path]) as? RunsCommand.List)
        #expect(try command.render().contains("holds no state database"))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    // MARK: cleanup

    @Test("cleanup --run stops the crashed run's process and leaves nothing live")
    func cleanupRun() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (_, crashed, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }
        let command = try #require(try CleanupCommand.parseAsRoot(["--run", crashed, "--state-dir", dir.path]) as? CleanupCommand)
        try await command.run()
        #expect(!process.isAlive)
        #expect(try Ledger(store: dir.store()).liveResourceCounts().isEmpty)
    }

    @Test("cleanup --all --dry-run kills nothing; cleanup --all then cleans every run with live resources")
    func cleanupAll() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (_, crashed, process) = try Self.populated(dir)
        defer { ProcFS.killIfStillOurs(process) }
        let dry = try #require(try CleanupCommand.parseAsRoot(["--all", "--dry-run", "--state-dir", dir.path]) as? CleanupCommand)
        try await dry.run()
        try await Task.sleep(for: .milliseconds(100))
        #expect(process.isAlive)
        #expect(try Ledger(store: dir.store()).liveResourceCounts() == [crashed: 1])

        let all = try #require(try CleanupCommand.parseAsRoot(["--all", "--state-dir", dir.path]) as? CleanupCommand)
        try await all.run()
        #expect(!process.isAlive)
        let again = try #require(try CleanupCommand.parseAsRoot(["--all", "--state-dir", dir.path]) as? CleanupCommand)
        try await again.run()  // nothing left: exit status 0
    }

    @Test("cleanup exits 1 when something could not be deleted")
    func cleanupFailure() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: "")
        _ = try ledger.intend(run: run.id, kind: .router, name: "\(run.id)-router-0", cloud: "devstack")
        let command = try #require(try CleanupCommand.parseAsRoot(["--run", run.id, "--state-dir", dir.path]) as? CleanupCommand)
        await #expect(throws: ExitCode.failure) { try await command.run() }
        #expect(try ledger.run(id: run.id)?.status == .failed)
    }

    @Test("cleanup of an unknown run id is a usage error (exit status 2) pointing at runs list")
    func cleanupUnknownRun() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let known = try [ledger.newRun(label: nil, cloud: "local", configYAML: ""), ledger.newRun(label: nil, cloud: "local", configYAML: "")]
        do {
            _ = try CleanupCommand.parseAsRoot(["--run", "kb-nope", "--state-dir", dir.path])
            Issue.record("an unknown run id must not parse")
        } catch {
            // kloudbuster's main maps ArgumentParser's validation failure to exit status 2.
            #expect(CleanupCommand.exitCode(for: error) == .validationFailure)
            let message = CleanupCommand.message(for: error)
            #expect(message.hasPrefix("unknown run kb-nope"))
            #expect(message.contains("`kloudbuster runs list`"))
            #expect(known.allSatisfy { !message.contains($0.id) })
        }
    }

    @Test("cleanup needs exactly one of --run and --all")
    func cleanupUsage() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        #expect(throws: (any Error).self) { try CleanupCommand.parseAsRoot(["--state-dir", dir.path]) }
        #expect(throws: (any Error).self) { try CleanupCommand.parseAsRoot(["--all", "--run", "kb-x", "--state-dir", dir.path]) }
    }

    @Test("the state directory is --state-dir, else $KB_STATE_DIR, else ~/.kloudbuster")
    func stateDirectoryPrecedence() throws {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let none = try StateOptions.parse([])
        #expect(none.directory(environment: [:]).path == home + "/.kloudbuster")
        #expect(none.directory(environment: ["KB_STATE_DIR": "/srv/kb"]).path == "/srv/kb")
        let flag = try StateOptions.parse(["--state-dir", "~/elsewhere"])
        #expect(flag.directory(environment: ["KB_STATE_DIR": "/srv/kb"]).path == home + "/elsewhere")
    }
}
