import Foundation
import KBTestSupport
import Testing

/// Whatever happens to a run, nothing of it is left on the machine: counted from /proc and the
/// listening sockets, never from the ledger.
@Suite("fault matrix: nothing left behind", .serialized)
struct FaultMatrixTests {
    static let load = "connections: 5\nrate_limit: 200\nduration: 30\nreport_interval: 1"

    @Test("normal end")
    func normalEnd() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 5\nrate_limit: 200\nduration: 2\nreport_interval: 1")
        let output = try await workspace.start().wait(timeout: 120)
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        let runID = try #require(TrustWorkspace.runID(in: output.stdout))
        #expect(RunLeftovers.all(runID: runID) == [])
    }

    @Test("connections beyond the descriptor limit are refused before anything is staged (exit 2)")
    func descriptorLimit() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 1000\nduration: 2")
        let output = try await ChildProcess(URL(fileURLWithPath: "/bin/sh"), [
            "-c", "ulimit -n 300 && exec \"$0\" run -c \"$1\" --state-dir \"$2\"",
            RunEndToEndTests.Binaries.kloudbuster.path, workspace.config.path, workspace.stateFolder.path,
        ]).wait(timeout: 60)
        #expect(output.status == 2, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stderr.contains("client.http_tool_configs.connections") && output.stderr.contains("1064 file descriptors"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.stateFolder.appendingPathComponent("runs").path))
    }

    @Test("a failed Prepare")
    func failedPrepare() async throws {
        // A page over the agent's 1 GiB limit: every server refuses its Prepare.
        let workspace = try TrustWorkspace(tool: "connections: 5\nduration: 2", server: "http_server_configs:\n  html_size: 2000000000")
        let output = try await workspace.start().wait(timeout: 120)
        #expect(output.status == 1, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("could not be prepared"))
        let runID = try #require(TrustWorkspace.runID(in: output.stdout))
        #expect(RunLeftovers.all(runID: runID) == [])
    }

    @Test("SIGKILL of a server agent: its nginx goes too")
    func serverAgentKilled() async throws {
        let workspace = try TrustWorkspace(tool: Self.load.replacingOccurrences(of: "duration: 30", with: "duration: 8"))
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        let agent = "\(runID)-srv-0"
        let master = try workspace.nginxMaster(runID, agent: agent)
        kill(try #require(TrustWorkspace.agentPID(agent)), SIGKILL)
        // nginx does not wait for the end of the run to go.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while kill(master, 0) == 0 || kill(-master, 0) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(kill(-master, 0) != 0, "nginx of the killed agent still runs 10 s later")
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 3, "\(output.stdout)\n\(output.stderr)")
        #expect(RunLeftovers.all(runID: runID) == [])
    }

    @Test("SIGKILL of nginx's master: its workers go too")
    func nginxMasterKilled() async throws {
        let workspace = try TrustWorkspace(tool: Self.load.replacingOccurrences(of: "duration: 30", with: "duration: 6"))
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        let master = try workspace.nginxMaster(runID, agent: "\(runID)-srv-0")
        kill(master, SIGKILL)
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 3, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("exited on its own"), "the agent reports its nginx died")
        #expect(RunLeftovers.all(runID: runID) == [])
    }

    @Test("SIGKILL of the controller while staging, then cleanup --all")
    func controllerKilledWhileStaging() async throws {
        let workspace = try TrustWorkspace(vms: 20, tool: Self.load)
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("staging", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        try await awaitSomeAgentsStarted(workspace, runID)
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        #expect(!controller.stdoutSoFar.contains("all 40 agents joined"), "the kill came after staging")
        try await expectCleanupLeavesNothing(workspace, runID)
    }

    @Test("SIGKILL of the controller while agents join, then cleanup --all")
    func controllerKilledWhileJoining() async throws {
        let workspace = try TrustWorkspace(vms: 20, tool: Self.load)
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("started 40 of 40 agents", timeout: 60))
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        try await expectCleanupLeavesNothing(workspace, runID)
    }

    @Test("SIGKILL of the controller during the load, then cleanup --all")
    func controllerKilledDuringLoad() async throws {
        let workspace = try TrustWorkspace(tool: Self.load)
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        try await Task.sleep(for: .seconds(3))
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        #expect(!RunLeftovers.processes(runID: runID).isEmpty, "the agents outlive a killed controller")
        try await expectCleanupLeavesNothing(workspace, runID)
    }

    @Test("Ctrl-C while staging stops staging at once and cleans up (exit 130)")
    func interruptWhileStaging() async throws {
        let workspace = try TrustWorkspace(vms: 20, tool: Self.load)
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("staging", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        try await awaitSomeAgentsStarted(workspace, runID)
        kill(controller.pid, SIGINT)
        let output = await controller.wait(timeout: 60)
        #expect(output.status == 130, "\(output.stdout)\n\(output.stderr)")
        #expect(!output.stdout.contains("started 40 of 40"), "staging went on after Ctrl-C:\n\(output.stdout)")
        #expect(!output.stdout.contains("joined 40 of 40"))
        #expect(RunLeftovers.all(runID: runID) == [])
    }

    @Test("SIGKILL of the controller and no cleanup: the agents' watchdog ends everything")
    func controllerKilledNoCleanup() async throws {
        let workspace = try TrustWorkspace(tool: Self.load)
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        try await Task.sleep(for: .seconds(2))
        kill(controller.pid, SIGKILL)
        let killed = ContinuousClock.now
        _ = await controller.wait(timeout: 10)
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        // 30 s of silence, then the agents stop nginx and exit.
        let left = await RunLeftovers.awaitNone(runID: runID, within: .seconds(50))
        #expect(left == [])
        #expect(ContinuousClock.now - killed >= .seconds(29), "the watchdog waited its bound")
    }

    /// Waits until some agents, not all, were started: their user data files appear one by one.
    private func awaitSomeAgentsStarted(_ workspace: TrustWorkspace, _ runID: String) async throws {
        let folder = workspace.runFolder(runID)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".json") } ?? []
            if files.count >= 3 { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func expectCleanupLeavesNothing(_ workspace: TrustWorkspace, _ runID: String) async throws {
        let cleanup = try workspace.cleanupAll()
        #expect(cleanup.status == 0, "\(cleanup.stdout)\n\(cleanup.stderr)")
        // A killed controller's last spawns may still be starting: give them a moment to show.
        try await Task.sleep(for: .milliseconds(500))
        #expect(RunLeftovers.all(runID: runID) == [], "\(cleanup.stdout)")
    }
}
