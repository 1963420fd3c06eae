import Foundation
import KBTestSupport
import Testing

/// Every run ends with a verdict: `ok` only when its numbers can be taken at face value, else
/// named reasons, in the summary, in `result.json`, and as exit status 3.
@Suite("verdicts of real runs", .serialized)
struct VerdictTests {
    @Test("a healthy run says verdict ok and exits 0")
    func healthyRun() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 5\nrate_limit: 300\nduration: 3\nreport_interval: 1")
        let output = try await workspace.start().wait(timeout: 120)
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("verdict: ok"))
        let runID = try #require(TrustWorkspace.runID(in: output.stdout))
        #expect(try workspace.verdictReasons(runID).isEmpty)
        let stage = try #require((try workspace.result(runID)["kb_result"] as? [[String: Any]])?.first)
        #expect(stage["verdict"] as? String == "ok")
        // The last line says where the result is, and the files are there.
        let last = try #require(output.stdout.split(separator: "\n").last)
        #expect(last.contains("results: ") && last.contains("\(runID)/result.json") && last.contains("\(runID)/result.hlog"))
        #expect(FileManager.default.fileExists(atPath: workspace.runFolder(runID).appendingPathComponent("result.hlog").path))
    }

    @Test("a rate the clients cannot reach: 'target rate not reached', exit 3")
    func unreachableRate() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 4\nrate_limit: 100000000\nduration: 3\nreport_interval: 1")
        let output = try await workspace.start().wait(timeout: 120)
        #expect(output.status == 3, "\(output.stdout)\n\(output.stderr)")
        let runID = try #require(TrustWorkspace.runID(in: output.stdout))
        let reasons = try workspace.verdictReasons(runID)
        #expect(reasons.contains { $0.contains("target rate not reached") && $0.contains("200000000 req/s requested") }, "\(reasons)")
        #expect(output.stdout.contains("verdict: NOT OK"))
        #expect(output.stdout.contains("target rate not reached"))
    }

    @Test("a client killed mid-stage: the verdict names it lost, exit 3")
    func killedClient() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 5\nrate_limit: 300\nduration: 6\nreport_interval: 1")
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        try await Task.sleep(for: .seconds(3))
        let client = try #require(TrustWorkspace.agentPID("\(runID)-cli-0"))
        kill(client, SIGKILL)
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 3, "\(output.stdout)\n\(output.stderr)")
        let reasons = try workspace.verdictReasons(runID)
        #expect(reasons.contains { $0.contains("\(runID)-cli-0") && $0.contains("lost") }, "\(reasons)")
        // The controller saw the process end, not only its silence.
        #expect(output.stdout.contains("its process ended (killed by signal 9"))
    }

    @Test("a server answering 500: the verdict names the errors and the status, exit 3")
    func serverErrors() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 5\nrate_limit: 300\nduration: 5\nreport_interval: 1")
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        let runID = try #require(TrustWorkspace.runID(in: controller.stdoutSoFar))
        // Turn srv-0's page into a 500 and make nginx reload its configuration.
        let agent = "\(runID)-srv-0"
        let conf = workspace.runFolder(runID).appendingPathComponent(agent).appendingPathComponent("nginx/nginx.conf")
        let text = try String(contentsOf: conf, encoding: .utf8)
        try text.replacingOccurrences(of: "try_files /index.html =404;", with: "return 500;").write(to: conf, atomically: true, encoding: .utf8)
        kill(try workspace.nginxMaster(runID, agent: agent), SIGHUP)
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 3, "\(output.stdout)\n\(output.stderr)")
        let reasons = try workspace.verdictReasons(runID)
        #expect(reasons.contains { $0.contains("errors:") && $0.contains("status 500") }, "\(reasons)")
    }
}
