import Controller
import Foundation
import KBTestSupport
import Proto
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kloudbuster run --swarm-samples`: the real controller and real `kb-agent swarm` processes
/// over CURVE ZeroMQ, one key and two connections per agent. What an operator (and
/// bench/controller-scale.sh) relies on: every member's reports are merged exactly, the result
/// says it is synthetic, a swarm that dies is named member by member, and nothing is left.
@Suite("kloudbuster run --swarm-samples", .serialized)
struct RunSwarmTests {
    struct Workspace {
        let directory: URL
        var state: URL { directory.appendingPathComponent("state") }
        var config: URL { directory.appendingPathComponent("config.yaml") }
        var json: URL { directory.appendingPathComponent("result.json") }

        /// `pairs` server and client agents, `duration` s with reports every second, at the
        /// 500 requests per second and client that 500 samples per interval make.
        init(pairs: Int, duration: Int) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-swarm-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try """
                server:
                  number_tenants: 1
                  routers_per_tenant: 1
                  networks_per_router: 1
                  vms_per_network: \(pairs)
                client:
                  http_tool_configs:
                    connections: 10
                    rate_limit: 500
                    duration: \(duration)
                    report_interval: 1
                """.write(to: config, atomically: true, encoding: .utf8)
        }

        func startRun(samples: Int) throws -> ChildProcess {
            try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, [
                "run", "-c", config.path, "--state-dir", state.path, "--json", json.path, "--swarm-samples", String(samples),
            ])
        }

        /// Processes whose command line names this workspace (swarms read their user data
        /// from it), found in /proc, not in the ledger.
        func processesUsingWorkspace() -> [Int32] {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
            return entries.compactMap { entry in
                guard let pid = Int32(entry), pid != getpid(),
                    let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
                else { return nil }
                let text = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                return text.contains("kb-agent swarm") && text.contains(directory.path) ? pid : nil
            }
        }

        func document() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        }
    }

    @Test("40 swarm agents: every report is merged exactly, servers agree, the label says synthetic, nothing is left")
    func everyReportIsMerged() async throws {
        let workspace = try Workspace(pairs: 20, duration: 3)
        let output = await try workspace.startRun(samples: 500).wait(timeout: 120)
        #expect(output.status == 0, "\(output.stdout) \(output.stderr)")
        let document = try workspace.document()
        let stage = try #require((document["kb_result"] as? [[String: Any]])?.first)
        // 20 clients × 3 intervals (two regular, one final) × 500 latencies each.
        #expect(stage["http_total_req"] as? Int == 30_000)
        let histogram = try Histogram(decodingV2Base64: try #require(document["histogram"] as? String))
        #expect(histogram.totalCount == 30_000)
        let agents = try #require(document["agents"] as? [[String: Any]])
        #expect(agents.count == 40)
        #expect(agents.allSatisfy { $0["status"] as? String == "ok" }, "\(agents.filter { $0["status"] as? String != "ok" })")
        let served = agents.filter { $0["role"] as? String == "http-server" }.compactMap { $0["requests"] as? Int }.reduce(0, +)
        #expect(served == 30_000)
        #expect(output.stdout.contains("verdict: ok"))
        #expect(output.stdout.contains("the traffic figures are synthetic"))
        #expect((document["label"] as? String)?.contains("synthetic") == true, "\(document["label"] ?? "no label")")
        #expect(workspace.processesUsingWorkspace().isEmpty)
    }

    @Test("a swarm process killed mid-run: each of its agents is named lost with how it ended, the run ends on time, nothing is left")
    func killedSwarmIsNamed() async throws {
        let workspace = try Workspace(pairs: 5, duration: 8)
        let controller = try workspace.startRun(samples: 100)
        #expect(await controller.waitForOutput("loading for", timeout: 60))
        try await Task.sleep(for: .seconds(2))
        let swarms = workspace.processesUsingWorkspace()
        #expect(swarms.count == 1)
        for pid in swarms { kill(pid, SIGKILL) }
        let started = ContinuousClock.now
        let output = await controller.wait(timeout: 60)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(output.status == RunCommand.untrustedStatus, "\(output.stdout) \(output.stderr)")
        let agents = try #require(try workspace.document()["agents"] as? [[String: Any]])
        #expect(agents.count == 10)
        #expect(agents.allSatisfy { $0["status"] as? String == "lost" })
        #expect(agents.allSatisfy { ($0["detail"] as? String)?.contains("killed by signal 9") == true }, "\(agents.map { $0["detail"] ?? "-" })")
        #expect(workspace.processesUsingWorkspace().isEmpty)
    }

    @Test("a console reader that goes away (`| head -1`) does not kill the run: it finishes, cleans up and leaves nothing")
    func closedConsoleIsSurvived() async throws {
        let workspace = try Workspace(pairs: 2, duration: 2)
        let command = [RunEndToEndTests.Binaries.kloudbuster.path, "run", "-c", workspace.config.path, "--state-dir", workspace.state.path,
                       "--json", workspace.json.path, "--swarm-samples", "500"].joined(separator: " ")
        // The shell waits for kloudbuster after head has exited; its status is kloudbuster's.
        let output = try ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), ["-c", "set -o pipefail; \(command) | head -1"], timeout: 120)
        #expect(output.status == 0, "\(output.stdout) \(output.stderr)")
        #expect(output.stdout.split(separator: "\n").count == 1)
        let store = try #require(try StateStore.openExisting(directory: workspace.state))
        let run = try #require(try Ledger(store: store).runs().first)
        #expect(run.status == .done)
        #expect(try Ledger(store: store).liveResources(run: run.id).isEmpty)
        #expect(workspace.processesUsingWorkspace().isEmpty)
    }
}
