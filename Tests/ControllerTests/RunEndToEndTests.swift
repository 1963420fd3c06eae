import Controller
import Foundation
import KBTestSupport
import Proto
import Testing

/// `kloudbuster run` with the real binaries on the local cloud: the controller, `kb-agent run`
/// processes on their own loopback addresses, nginx inside the server agents, CHttpGen in the
/// client agents, CURVE ZeroMQ between them.
@Suite("kloudbuster run end to end", .serialized)
struct RunEndToEndTests {
    /// A state folder, a small configuration and the output paths of one run.
    struct Workspace {
        let directory: URL
        var state: URL { directory.appendingPathComponent("state") }
        var config: URL { directory.appendingPathComponent("config.yaml") }
        var json: URL { directory.appendingPathComponent("result.json") }
        var hlog: URL { directory.appendingPathComponent("result.hlog") }
        var html: URL { directory.appendingPathComponent("copy.html") }

        init(duration: Int, rate: Int = 400) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-e2e-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Self.yaml(duration: duration, rate: rate).write(to: config, atomically: true, encoding: .utf8)
        }

        /// 2 server and 2 client VMs, 5 connections and `rate` req/s per client, `duration` s.
        static func yaml(duration: Int, rate: Int = 400) -> String {
            """
            server:
              number_tenants: 1
              routers_per_tenant: 1
              networks_per_router: 1
              vms_per_network: 2
            client:
              http_tool_configs:
                connections: 5
                rate_limit: \(rate)
                duration: \(duration)
                report_interval: 1
            """
        }

        /// `kloudbuster run` started with this workspace's files.
        func startRun() throws -> ChildProcess {
            try ChildProcess(Binaries.kloudbuster, [
                "run", "-c", config.path, "--state-dir", state.path, "--json", json.path, "--hlog", hlog.path, "--html", html.path,
            ])
        }

        /// The one run recorded in the state folder.
        func run() throws -> (ledger: Ledger, run: RunRecord) {
            let store = try #require(try StateStore.openExisting(directory: state))
            let ledger = Ledger(store: store)
            let run = try #require(try ledger.runs().first)
            return (ledger, run)
        }

        /// Agent processes of the run that are still alive.
        func liveAgentProcesses() throws -> [Int32] {
            let (ledger, run) = try run()
            return try ledger.resources(run: run.id).compactMap { resource in
                guard let identity = resource.processIdentity, identity.isAlive else { return nil }
                return identity.pid
            }
        }
    }

    enum Binaries {
        static let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        static var kloudbuster: URL {
            let beside = folder.appendingPathComponent("kloudbuster")
            return FileManager.default.isExecutableFile(atPath: beside.path)
                ? beside : NginxServer.repository.appendingPathComponent(".build/debug/kloudbuster")
        }
    }

    /// Runs Python from the project's venv on `script`, returning its stdout.
    private func python(_ script: String) throws -> String {
        let python = ProcessInfo.processInfo.environment["KB_PYTHON"]
            ?? NginxServer.repository.appendingPathComponent(".venv/bin/python").path
        let result = try ChildProcess.run(URL(fileURLWithPath: python), ["-c", script], timeout: 60)
        guard result.status == 0 else { throw FixtureError("python failed: \(result.stderr)") }
        return result.stdout
    }

    @Test("a run's total equals the clients' requests and nginx's, Python reads its JSON and .hlog, nothing is left")
    func resultsAddUpAndNothingIsLeft() async throws {
        let workspace = try Workspace(duration: 3)
        let controller = try workspace.startRun()
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 0, "\(output.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.json)) as? [String: Any]
        let document = try #require(json)
        let stage = try #require((document["kb_result"] as? [[String: Any]])?.first)
        let total = try #require(stage["http_total_req"] as? Int)
        let agents = try #require(document["agents"] as? [[String: Any]])
        func requests(of role: String) -> Int {
            agents.filter { $0["role"] as? String == role }.compactMap { $0["requests"] as? Int }.reduce(0, +)
        }
        let histogram = try Histogram(decodingV2Base64: try #require(document["histogram"] as? String))

        // 2 clients × 400 req/s × 3 s.
        #expect(total >= 2200 && total <= 2600)
        #expect(requests(of: "http-client") == total)
        // What nginx served (its stub_status, less the server agents' own polls).
        #expect(requests(of: "http-server") == total)
        #expect(histogram.totalCount == Int64(total))
        #expect(stage["total_client_vms"] as? Int == 2)
        #expect(stage["total_server_vms"] as? Int == 2)
        #expect((stage["latency_stats"] as? [[Double]])?.map { $0[0] } == [50, 75, 90, 99, 99.9, 99.99, 99.999])

        let decoded = try python("""
            import json
            from hdrh.histogram import HdrHistogram
            from hdrh.log import HistogramLogReader
            d = json.load(open("\(workspace.json.path)"))
            h = HdrHistogram.decode(d["histogram"])
            reader = HistogramLogReader("\(workspace.hlog.path)", HdrHistogram(1, 3600000000, 3))
            n = 0
            while True:
                i = reader.get_next_interval_histogram()
                if i is None: break
                n += i.get_total_count()
            print(h.get_total_count(), n)
            """)
        #expect(decoded.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } == [total, total])

        #expect(try workspace.liveAgentProcesses().isEmpty)
        let (ledger, run) = try workspace.run()
        #expect(try ledger.liveResources(run: run.id).isEmpty)
        #expect(run.status == .done)

        // The HTML report: in the run folder, copied to --html, named on the last line.
        let folderReport = workspace.state.appendingPathComponent("runs/\(run.id)/report.html")
        let report = try String(contentsOf: folderReport, encoding: .utf8)
        #expect(try String(contentsOf: workspace.html, encoding: .utf8) == report)
        let charts = HTMLReportTests.charts(report)
        #expect(charts.count == 4 && charts.values.allSatisfy { $0.contains("<path") }, "every chart draws the run")
        #expect(report.contains("Verdict: ok") && report.contains(run.id))
        let lastLine = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.contains("report: open \(folderReport.path) in a browser"), "\(lastLine)")
    }

    @Test("SIGINT stops the run, deletes everything and exits 130")
    func interruptCleansUp() async throws {
        let workspace = try Workspace(duration: 30)
        let controller = try workspace.startRun()
        try await waitForLoad(workspace)
        kill(controller.pid, SIGINT)
        let output = await controller.wait(timeout: 60)
        #expect(output.status == 130, "\(output.stderr)")
        #expect(try workspace.liveAgentProcesses().isEmpty)
        let (ledger, run) = try workspace.run()
        #expect(try ledger.liveResources(run: run.id).isEmpty)
    }

    @Test("after a SIGKILL of the controller, kloudbuster cleanup --all leaves nothing behind")
    func cleanupAfterControllerCrash() async throws {
        let workspace = try Workspace(duration: 30)
        let controller = try workspace.startRun()
        try await waitForLoad(workspace)
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        #expect(try !workspace.liveAgentProcesses().isEmpty, "the agents outlive a killed controller")
        let cleanup = try ChildProcess.run(
            Binaries.kloudbuster, ["cleanup", "--all", "--state-dir", workspace.state.path], timeout: 60)
        #expect(cleanup.status == 0, "\(cleanup.stdout) \(cleanup.stderr)")
        #expect(try workspace.liveAgentProcesses().isEmpty)
        let (ledger, run) = try workspace.run()
        #expect(try ledger.liveResources(run: run.id).isEmpty)
    }

    @Test("a client agent killed mid-run is named lost; the run ends on time and keeps the rest")
    func lostAgentIsReported() async throws {
        let workspace = try Workspace(duration: 6)
        let started = ContinuousClock.now
        let controller = try workspace.startRun()
        try await waitForLoad(workspace)
        let (ledger, run) = try workspace.run()
        let client = try #require(try ledger.resources(run: run.id).first { $0.name.contains("-cli-") && $0.pid != nil })
        kill(try #require(client.pid), SIGKILL)
        let output = await controller.wait(timeout: 90)
        // Completed, but not to be trusted: exit status 3, and the verdict says why.
        #expect(output.status == 3, "\(output.stderr)")
        #expect(ContinuousClock.now - started < .seconds(60))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.json)) as? [String: Any]
        let agents = try #require(json?["agents"] as? [[String: Any]])
        let lost = agents.filter { ($0["status"] as? String) == "lost" }.compactMap { $0["id"] as? String }
        #expect(lost == [client.name])
        let total = try #require((json?["kb_result"] as? [[String: Any]])?.first?["http_total_req"] as? Int)
        // The other client ran the whole 6 s at 400 req/s.
        #expect(total >= 2400)
        #expect(try workspace.liveAgentProcesses().isEmpty)
    }

    @Test("a rogue agent can neither join nor inject, and random frames from a staged key crash nothing")
    func rogueAgentAndRandomFrames() async throws {
        let workspace = try Workspace(duration: 8)
        let controller = try workspace.startRun()
        try await waitForLoad(workspace)
        let (_, run) = try workspace.run()
        let file = workspace.state.appendingPathComponent("runs/\(run.id)/\(run.id)-cli-0.json")
        let userData = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let endpoints = try #require(userData["controller"] as? [String: String])
        let keys = try #require(userData["keys"] as? [String: String])
        func link(_ keys: CurveKeyPair, _ identity: String) throws -> AgentLink {
            try AgentLink(
                pubEndpoint: try #require(endpoints["pub_endpoint"]), routerEndpoint: try #require(endpoints["router_endpoint"]),
                serverPublicKey: try #require(endpoints["server_public_key"]), clientKeys: keys,
                identity: Array(identity.utf8), topics: ["all"])
        }

        // A key pair the run never staged, claiming to be a client and reporting a billion requests.
        let rogue = try link(try CurveKeyPair.generate(), "rogue")
        var sequencer = EnvelopeSequencer(runID: run.id, sender: "\(run.id)-cli-0")
        var hello = Kb_V1_Hello()
        hello.agentID = "\(run.id)-cli-0"
        hello.role = "http-client"
        var report = Kb_V1_IntervalReport()
        report.stage = 1
        report.requests = 1_000_000_000
        try rogue.send(sequencer.frame(.hello(hello), sentUnixNs: 0))
        try rogue.send(sequencer.frame(.intervalReport(report), sentUnixNs: 0))

        // A staged key (as if stolen from the user data) under another identity, sending noise.
        let noisy = try link(try CurveKeyPair(publicKey: try #require(keys["public"]), secretKey: try #require(keys["secret"])), "noise")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 53)  // 0 ..< 2048
            try noisy.send((0..<length).map { UInt8(truncatingIfNeeded: (state &+ UInt64($0) &* 0x9E37) >> 7) })
        }

        let deadline = ContinuousClock.now.advanced(by: .seconds(15))
        while rogue.counters.rejectedConnections == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(rogue.counters.rejectedConnections > 0, "the controller refused the rogue key")
        let output = await controller.wait(timeout: 90)
        rogue.close()
        noisy.close()
        #expect(output.status == 0, "\(output.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.json)) as? [String: Any]
        let total = try #require((json?["kb_result"] as? [[String: Any]])?.first?["http_total_req"] as? Int)
        // 2 clients × 400 req/s × 8 s: the rogue's billion is not in it.
        #expect(total >= 5600 && total <= 7000)
        let agents = try #require(json?["agents"] as? [[String: Any]])
        #expect(agents.count == 4)
        #expect(agents.allSatisfy { $0["status"] as? String == "ok" })
    }

    @Test("a bad configuration is refused with its key path and exit status 2, and nothing is staged")
    func badConfigurationStagesNothing() async throws {
        let workspace = try Workspace(duration: 3)
        try "server:\n  number_tenants: -1\nclient:\n  http_tool_configs:\n    conections: 5\n"
            .write(to: workspace.config, atomically: true, encoding: .utf8)
        let controller = try workspace.startRun()
        let output = await controller.wait(timeout: 60)
        #expect(output.status == 2)
        #expect(output.stderr.contains("server.number_tenants"))
        #expect(output.stderr.contains("connections"))
        let store = try StateStore.openExisting(directory: workspace.state)
        #expect(try store.map { try Ledger(store: $0).runs() }?.isEmpty ?? true)
    }

    /// Waits until the run's clients are loading (the ledger lists them and a second has passed
    /// since all agents were spawned), bounded.
    private func waitForLoad(_ workspace: Workspace) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            if let store = try? StateStore.openExisting(directory: workspace.state),
               let run = try Ledger(store: store).runs().first,
               try Ledger(store: store).resources(run: run.id).filter({ $0.pid != nil }).count == 4,
               run.status == .running {
                try await Task.sleep(for: .seconds(3))
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError("the run did not start loading within 60 s")
    }
}
