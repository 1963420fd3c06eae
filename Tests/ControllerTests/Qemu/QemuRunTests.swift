import Foundation
import KBTestSupport
import Testing

/// `kloudbuster run --cloud qemu` booting real VMs from the agent image (qemu TCG), with
/// leftovers counted from the system: processes from /proc, namespaces from `ip netns`, taps
/// from /sys/class/net, disks and config drives from the run folder.
@Suite("qemu cloud runs", .enabled(if: AgentImage.enabled), .serialized)
struct QemuRunTests {
    /// One server VM and one client VM, 20 s of load at 200 req/s.
    static let configuration = """
        server:
          number_tenants: 1
          routers_per_tenant: 1
          networks_per_router: 1
          vms_per_network: 1
          flavor: {vcpus: 1, ram: 512}
        client:
          flavor: {vcpus: 1, ram: 512}
          http_tool_configs:
            duration: 20s
            rate_limit: 200
            connections: 10
        """

    struct Workspace {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-qemu-\(UUID().uuidString.prefix(8))")
        var state: URL { directory.appendingPathComponent("state") }
        var config: URL { directory.appendingPathComponent("qemu.yaml") }

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try QemuRunTests.configuration.write(to: config, atomically: true, encoding: .utf8)
        }

        func start() throws -> ChildProcess {
            try ChildProcess(RunEndToEndTests.Binaries.kloudbuster,
                             ["run", "--cloud", "qemu", "--image", try AgentImage.require().path, "-c", config.path, "--state-dir", state.path])
        }

        func runFolder(_ runID: String) -> URL { state.appendingPathComponent("runs/\(runID)") }
    }

    /// Everything of the run still on this machine; empty when nothing is left.
    static func leftovers(_ workspace: Workspace, _ runID: String) throws -> [String] {
        var found = RunLeftovers.processes(runID: runID)
        let namespaces = try AgentImage.sh("ip", ["netns", "list"])
        if namespaces.contains(runID) { found.append("network namespace \(runID)") }
        let tapPrefix = "kb" + (runID.split(separator: "-").last ?? "")
        let links = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []
        found += links.filter { $0.hasPrefix(tapPrefix) }.map { "tap \($0) on the host" }
        let folder = workspace.runFolder(runID)
        if let files = FileManager.default.enumerator(atPath: folder.path) {
            for case let file as String in files where file.hasSuffix(".qcow2") || file.hasSuffix(".iso") || file.hasSuffix("user_data") {
                found.append("file \(folder.path)/\(file)")
            }
        }
        return found
    }

    @Test("1 server VM and 1 client VM: agents register from their config drives, 20 s of load VM to VM, nginx's count matches, nothing is left")
    func serverAndClientVMs() async throws {
        let workspace = try Workspace()
        let controller = try workspace.start()
        let output = await controller.wait(timeout: 420)
        defer { if output.status == 0 { try? FileManager.default.removeItem(at: workspace.directory) } }
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        let runID = try #require(TrustWorkspace.runID(in: output.stdout), "\(output.stdout)")
        #expect(output.stdout.contains("all 2 agents joined"))
        let folder = workspace.runFolder(runID)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("result.json"))) as? [String: Any])
        #expect(document["verdict"] as? String == "ok", "\(String(describing: document["verdict"]))")
        let stage = try #require((document["kb_result"] as? [[String: Any]])?.first)
        let total = try #require(stage["http_total_req"] as? Int)
        // 200 req/s for 20 s.
        #expect(total >= 3800 && total <= 4200, "\(total) requests")
        let agents = try #require(document["agents"] as? [[String: Any]])
        func requests(of role: String) -> Int {
            agents.filter { $0["role"] as? String == role }.compactMap { $0["requests"] as? Int }.reduce(0, +)
        }
        #expect(requests(of: "http-client") == total)
        #expect(requests(of: "http-server") == total, "nginx's own count (stub_status in the server VM)")
        let hlog = try String(contentsOf: folder.appendingPathComponent("result.hlog"), encoding: .utf8)
        #expect(hlog.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("\"") && $0.contains(",") }.count >= 15)
        // The agent really ran in the VM: its console shows the unit reading the config drive.
        let console = try String(contentsOf: folder.appendingPathComponent("\(runID)-srv-0/console.log"), encoding: .utf8)
        #expect(console.contains("Debian GNU/Linux 12"))
        #expect(try Self.leftovers(workspace, runID) == [])
    }

    @Test("SIGKILL of the controller mid-run, then cleanup --all: no VM, tap, namespace, disk or config drive is left")
    func controllerKilledMidRun() async throws {
        let workspace = try Workspace()
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 360), "\(controller.stdoutSoFar)")
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        #expect(try !Self.leftovers(workspace, runID).isEmpty, "the run's VMs exist before the kill")
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        let cleanup = try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, ["cleanup", "--all", "--state-dir", workspace.state.path], timeout: 120)
        #expect(cleanup.status == 0, "\(cleanup.stdout)\n\(cleanup.stderr)")
        #expect(try Self.leftovers(workspace, runID) == [], "\(cleanup.stdout)")
    }
}
