import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster serve` as a real process on loopback, driven over HTTP by curl: tokens and
/// roles, a local run started over REST, its event stream (also resumed), its stored result
/// against a CLI run's, and nothing left on the system afterwards.
@Suite("kloudbuster serve", .serialized)
struct ServerAPITests {
    /// A server on a free port over a state folder of its own, with one token per role.
    final class Harness {
        let directory: URL
        let server: ChildProcess
        let url: String
        let operatorToken: String
        let viewerToken: String
        /// curl's options for every request (the CA of a TLS server).
        let curlOptions: [String]
        var state: URL { directory.appendingPathComponent("state") }

        /// `prepare` runs in the fresh folder and returns serve's extra arguments and curl's
        /// options.
        init(prepare: (URL) throws -> (serve: [String], curl: [String]) = { _ in ([], []) }) async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-serve-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let state = directory.appendingPathComponent("state").path
            func token(_ role: String) throws -> String {
                let result = try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, ["token", "create", "--role", role, "--state-dir", state], timeout: 30)
                guard result.status == 0 else { throw FixtureError("token create failed: \(result.stderr)") }
                return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            operatorToken = try token("operator")
            viewerToken = try token("viewer")
            let (serve, curl) = try prepare(directory)
            curlOptions = curl
            server = try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, ["serve", "--port", "0", "--state-dir", state] + serve)
            guard await server.waitForOutput("listening on ", timeout: 30),
                let line = server.stdoutSoFar.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let address = line.split(separator: " ").dropFirst(2).first
            else { throw FixtureError("the server did not say where it listens: \(server.stdoutSoFar)") }
            url = String(address)
        }

        deinit { kill(server.pid, SIGKILL) }

        /// One request with curl: the status and the body.
        func request(_ method: String, _ path: String, token: String?, json: String? = nil, headers: [String] = []) throws -> (status: Int, body: String) {
            var arguments = curlOptions + ["-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", url + path]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
            for header in headers { arguments += ["-H", header] }
            let result = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), arguments, timeout: 30)
            var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.popLast() ?? "") ?? -1
            return (status, lines.joined(separator: "\n"))
        }

        /// The JSON object of a body.
        func object(_ body: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "not a JSON object: \(body)")
        }

        /// A curl reading the event stream of `runID` into a file, from after `lastID`.
        func events(_ runID: String, after lastID: Int?) throws -> (ChildProcess, URL) {
            let file = directory.appendingPathComponent("events-\(UUID().uuidString.prefix(6)).txt")
            var arguments = ["-s", "-N", "-o", file.path, "-H", "Authorization: Bearer \(operatorToken)", url + "/v1/runs/\(runID)/events"]
            if let lastID { arguments += ["-H", "Last-Event-ID: \(lastID)"] }
            return (try ChildProcess(URL(fileURLWithPath: "/usr/bin/curl"), arguments), file)
        }
    }

    /// One event of a stream file.
    struct Event: Equatable {
        let id: Int
        let name: String
        let data: String

        /// A progress event's text.
        var progressText: String? {
            guard name == "progress", let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return object["text"] as? String
        }
    }

    static func parse(_ text: String) -> [Event] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int?, name = "message", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return id.map { Event(id: $0, name: name, data: data) }
        }
    }

    static let config = RunEndToEndTests.Workspace.yaml(duration: 4)

    @Test("no token is 401, a viewer may read but not start (403), both refusals are audited")
    func tokensAndRoles() async throws {
        let harness = try await Harness()
        let none = try harness.request("GET", "/v1/runs", token: nil)
        #expect(none.status == 401)
        #expect(try harness.object(none.body)["error"] != nil)
        #expect(try harness.request("GET", "/v1/runs", token: "kb_not-a-token").status == 401)
        #expect(try harness.request("GET", "/v1/runs", token: harness.viewerToken).status == 200)
        let start = try harness.request("POST", "/v1/runs", token: harness.viewerToken, json: "{}")
        #expect(start.status == 403)
        #expect(start.body.contains("operator"))
        // A viewer may validate: it changes nothing.
        let valid = try harness.request("POST", "/v1/config/validate", token: harness.viewerToken, json: "{\"config\": \"\"}")
        #expect(valid.status == 200)
        #expect(try harness.object(valid.body)["valid"] as? Bool == true)
        let store = try #require(try StateStore.openExisting(directory: harness.state))
        let audit = try store.auditEntries()
        #expect(audit.contains { $0.status == 403 && $0.path == "/v1/runs" && $0.tokenID != nil })
        #expect(!audit.contains { $0.path == "/v1/config/validate" }, "read-only requests are not audited")
        // No run was started by the refused request.
        #expect(try Ledger(store: store).runs().isEmpty)
    }

    @Test("an operator's REST run streams every interval, resumes with Last-Event-ID, stores the CLI's result shape, leaves nothing")
    func restRun() async throws {
        let harness = try await Harness()
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["config": Self.config, "label": "rest"]), as: UTF8.self)
        let started = try harness.request("POST", "/v1/runs", token: harness.operatorToken, json: body)
        #expect(started.status == 202, "\(started.body)")
        let runID = try #require(try harness.object(started.body)["run_id"] as? String)

        // Read until the first interval, drop the connection, resume after what was read.
        let (first, firstFile) = try harness.events(runID, after: nil)
        let deadline = Date().addingTimeInterval(60)
        var head: [Event] = []
        while Date() < deadline {
            head = Self.parse((try? String(contentsOf: firstFile, encoding: .utf8)) ?? "")
            if head.contains(where: { $0.name == "interval" }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(first.pid, SIGKILL)
        _ = await first.wait(timeout: 5)
        let lastSeen = try #require(head.last?.id, "no event before the first interval")
        let (second, secondFile) = try harness.events(runID, after: lastSeen)
        let resumed = await second.wait(timeout: 90)
        #expect(!resumed.timedOut, "the stream did not end after the run")
        let tail = Self.parse(try String(contentsOf: secondFile, encoding: .utf8))
        let events = head + tail
        #expect(events.map(\.id) == Array(1...(events.count)), "ids have a gap or a duplicate: \(events.map(\.id))")
        #expect(events.last?.name == "finished")
        #expect(events.last?.data.contains("\"verdict\":\"ok\"") == true, "\(events.last?.data ?? "")")

        // Every interval of the stored result came as an event, and nothing else did.
        let result = try harness.request("GET", "/v1/runs/\(runID)/result", token: harness.viewerToken)
        #expect(result.status == 200)
        let document = try harness.object(result.body)
        let stored = try #require(document["intervals"] as? [[String: Any]])
        let streamed = try events.filter { $0.name == "interval" }.map { try harness.object($0.data) }
        #expect(streamed.count == stored.count)
        #expect(streamed.map { $0["requests"] as? Int } == stored.map { $0["requests"] as? Int })
        #expect(!stored.isEmpty)

        // The same configuration through the CLI gives a result of the same shape and counts.
        let cliJSON = harness.directory.appendingPathComponent("cli.json")
        let configFile = harness.directory.appendingPathComponent("config.yaml")
        try Self.config.write(to: configFile, atomically: true, encoding: .utf8)
        let cli = try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, [
            "run", "-c", configFile.path, "--state-dir", harness.state.path, "--json", cliJSON.path, "--label", "rest",
        ])
        let cliOutput = await cli.wait(timeout: 120)
        #expect(cliOutput.status == 0, "\(cliOutput.stderr)")
        let cliDocument = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: cliJSON)) as? [String: Any])
        #expect(Self.shape(document) == Self.shape(cliDocument))
        func total(_ d: [String: Any]) -> Int { ((d["kb_result"] as? [[String: Any]])?.first?["http_total_req"] as? Int) ?? -1 }
        func agents(_ d: [String: Any]) -> [String] { ((d["agents"] as? [[String: Any]]) ?? []).compactMap { $0["role"] as? String }.sorted() }
        // 2 clients × 400 req/s × 4 s, both ways.
        #expect((3000...3400).contains(total(document)), "REST run: \(total(document)) requests")
        #expect((3000...3400).contains(total(cliDocument)), "CLI run: \(total(cliDocument)) requests")
        #expect(agents(document) == agents(cliDocument))
        #expect((document["intervals"] as? [Any])?.count == (cliDocument["intervals"] as? [Any])?.count)
        let servers = ((document["agents"] as? [[String: Any]]) ?? []).filter { $0["role"] as? String == "http-server" }
        #expect(servers.compactMap { $0["requests"] as? Int }.reduce(0, +) == total(document), "nginx served what the clients counted")
        #expect(document["label"] as? String == "rest")

        #expect(try harness.request("GET", "/v1/runs/\(runID)/result.hlog", token: harness.viewerToken).body.contains("#[StartTime"))
        #expect(try harness.request("GET", "/v1/runs/\(runID)/report.html", token: harness.viewerToken).body.contains("<svg"))
        // The two runs compared, the REST run the baseline.
        let cliRunID = try #require(cliDocument["run_id"] as? String)
        let compare = try harness.request("POST", "/v1/compare", token: harness.viewerToken, json: "{\"runs\": [\"\(runID)\", \"\(cliRunID)\"]}")
        #expect(compare.status == 200)
        #expect(compare.body.contains(runID) && compare.body.contains(cliRunID) && compare.body.contains("<svg"))
        #expect(try harness.request("POST", "/v1/compare", token: harness.viewerToken, json: "{\"runs\": [\"\(runID)\"]}").status == 400)
        #expect(await RunLeftovers.awaitNone(runID: runID, within: .seconds(10)).isEmpty)
        let store = try #require(try StateStore.openExisting(directory: harness.state))
        #expect(try store.auditEntries().contains { $0.status == 202 && $0.detail == "started \(runID)" })
    }

    @Test("/metrics during a run: the run's counters change between scrapes, in valid exposition format")
    func metricsDuringARun() async throws {
        let harness = try await Harness()
        let config = RunEndToEndTests.Workspace.yaml(duration: 6)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["config": config]), as: UTF8.self)
        let started = try harness.request("POST", "/v1/runs", token: harness.operatorToken, json: body)
        let runID = try #require(try harness.object(started.body)["run_id"] as? String, "\(started.body)")
        let (stream, file) = try harness.events(runID, after: nil)
        func intervals() -> Int { Self.parse((try? String(contentsOf: file, encoding: .utf8)) ?? "").filter { $0.name == "interval" }.count }
        func scrape(after count: Int) async throws -> [String: Double] {
            let deadline = Date().addingTimeInterval(60)
            while intervals() < count && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let reply = try harness.request("GET", "/metrics", token: harness.viewerToken)
            #expect(reply.status == 200)
            return try Self.parseExposition(reply.body, run: runID)
        }
        let early = try await scrape(after: 1)
        let later = try await scrape(after: 4)
        kill(stream.pid, SIGKILL)
        #expect(try harness.request("GET", "/metrics", token: nil).status == 401)
        let requests = "kloudbuster_requests_total"
        #expect((early[requests] ?? 0) > 0, "\(early)")
        #expect((later[requests] ?? 0) > (early[requests] ?? 0), "requests did not grow: \(early[requests] ?? -1) then \(later[requests] ?? -1)")
        #expect((later["kloudbuster_requests_per_second"] ?? 0) > 500, "2 clients at 400 req/s")
        #expect((later["kloudbuster_latency_seconds{percentile=99}"] ?? 0) > 0)
        #expect(later["kloudbuster_agents_joined"] == 4)
        #expect(later["kloudbuster_errors_total{kind=connect}"] == 0)
        #expect(later["kloudbuster_live_runs"] == 1)
        // The run ends by itself; nothing is left.
        #expect(await RunLeftovers.awaitNone(runID: runID, within: .seconds(60)).isEmpty)
    }

    /// The samples of `text` parsed by prometheus_client's own parser (which rejects what is
    /// not valid exposition format), for run `run`: "name" or "name{label=value}" → value.
    static func parseExposition(_ text: String, run: String) throws -> [String: Double] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kb-metrics-\(UUID().uuidString.prefix(6)).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let python = NginxServer.repository.appendingPathComponent(".venv/bin/python")
        let result = try ChildProcess.run(python, ["-c", """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    if s.labels.get("run", sys.argv[2]) != sys.argv[2]: continue
                    rest = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()) if k != "run")
                    print(f"{s.name}{{{rest}}}" if rest else s.name, s.value)
            """, file.path, run], timeout: 30)
        guard result.status == 0 else { throw FixtureError("prometheus_client could not parse /metrics: \(result.stderr)\n\(text)") }
        var samples: [String: Double] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return samples
    }

    @Test("an interactive REST run: two tests on one staging, then finish; a kept run is cleaned up over REST")
    func interactiveAndCleanup() async throws {
        let harness = try await Harness()
        let config = RunEndToEndTests.Workspace.yaml(duration: 2)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["config": config, "interactive": true, "label": "one"]), as: UTF8.self)
        let started = try harness.request("POST", "/v1/runs", token: harness.operatorToken, json: body)
        let runID = try #require(try harness.object(started.body)["run_id"] as? String, "\(started.body)")
        let (stream, file) = try harness.events(runID, after: nil)
        func events() -> [Event] { Self.parse((try? String(contentsOf: file, encoding: .utf8)) ?? "") }
        func await_(_ name: String, count: Int) async throws {
            let deadline = Date().addingTimeInterval(60)
            while events().filter({ $0.name == name }).count < count {
                guard Date() < deadline else { throw FixtureError("no \(count) \(name) events: \(events().map(\.name))") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        try await await_("test_finished", count: 1)
        #expect(try harness.request("POST", "/v1/runs/\(runID)/tests", token: harness.viewerToken, json: "{}").status == 403)
        #expect(try harness.request("POST", "/v1/runs/\(runID)/tests", token: harness.operatorToken, json: "{\"label\": \"two\"}").status == 202)
        try await await_("test_finished", count: 2)
        #expect(try harness.request("POST", "/v1/runs/\(runID)/finish", token: harness.operatorToken).status == 202)
        let ended = await stream.wait(timeout: 60)
        #expect(!ended.timedOut)
        #expect(events().last?.name == "finished")
        #expect(events().filter { $0.progressText?.hasPrefix("started 4 of 4") == true }.count == 1, "staged once")
        let store = try #require(try StateStore.openExisting(directory: harness.state))
        let folder = try store.runDirectory(for: runID)
        let labels = try (1...2).map { test in
            try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: folder.appendingPathComponent("test-\(test)/result.json"))).label
        }
        #expect(labels == ["one", "two"])
        #expect(await RunLeftovers.awaitNone(runID: runID, within: .seconds(10)).isEmpty)
        #expect(try harness.request("POST", "/v1/runs/\(runID)/tests", token: harness.operatorToken, json: "{}").status == 409)

        // A CLI run kept its resources; the server deletes them.
        let configFile = harness.directory.appendingPathComponent("kept.yaml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let kept = try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster,
                                        ["run", "-c", configFile.path, "--state-dir", harness.state.path, "--no-cleanup"], timeout: 120)
        #expect(kept.status == 0, "\(kept.stderr)")
        let keptID = try #require(try Ledger(store: store).runs().map(\.id).first { $0 != runID })
        #expect(try !Ledger(store: store).liveResources(run: keptID).isEmpty)
        let cleaned = try harness.request("POST", "/v1/runs/\(keptID)/cleanup", token: harness.operatorToken)
        #expect(cleaned.status == 200, "\(cleaned.body)")
        #expect(try harness.object(cleaned.body)["clean"] as? Bool == true)
        #expect(try Ledger(store: store).liveResources(run: keptID).isEmpty)
        #expect(await RunLeftovers.awaitNone(runID: keptID, within: .seconds(10)).isEmpty)
    }

    @Test("bad input is a 4xx JSON error naming the field, and the server keeps serving")
    func badInput() async throws {
        let harness = try await Harness()
        let token = harness.operatorToken
        let cases: [(String, String, String?, [String], Int, String)] = [
            ("POST", "/v1/runs", "{not json", [], 400, "body"),
            ("POST", "/v1/runs", "[1]", [], 400, "body"),
            ("POST", "/v1/runs", "{\"confg\": \"\"}", [], 400, "confg"),
            ("POST", "/v1/runs", "{\"label\": 3}", [], 400, "label"),
            ("POST", "/v1/runs", "{\"cloud\": \"aws\"}", [], 400, "cloud"),
            ("POST", "/v1/runs", "{\"config\": \"client:\\n  http_tool_configs:\\n    duration: abc\\n\"}", [], 400, "config.client.http_tool_configs.duration"),
            ("POST", "/v1/config/validate", "x", ["Content-Type: text/plain"], 415, "Content-Type"),
            ("GET", "/v1/runs/..%2F..%2Fetc%2Fpasswd", nil, [], 400, "id"),
            ("GET", "/v1/runs/kb-20990101-0000-abcd", nil, [], 404, "id"),
            ("POST", "/v1/runs/kb-20990101-0000-abcd/stop", nil, [], 404, "id"),
        ]
        for (method, path, json, headers, status, field) in cases {
            let reply = try harness.request(method, path, token: token, json: json, headers: headers)
            #expect(reply.status == status, "\(method) \(path) \(json ?? ""): \(reply.status) \(reply.body)")
            let error = try harness.object(reply.body)["error"] as? [String: Any]
            #expect(error?["field"] as? String == field, "\(method) \(path): \(reply.body)")
        }
        let huge = "{\"config\": \"" + String(repeating: "a", count: 2 << 20) + "\"}"
        let hugeFile = harness.directory.appendingPathComponent("huge.json")
        try huge.write(to: hugeFile, atomically: true, encoding: .utf8)
        let big = try harness.request("POST", "/v1/runs", token: token, json: "@" + hugeFile.path)
        #expect(big.status == 413, "\(big.status) \(big.body.prefix(200))")
        #expect(try harness.request("GET", "/v1/health", token: nil).status == 200, "the server stopped serving")
        #expect(try harness.request("GET", "/v1/nothing-here", token: token).status == 404)
    }

    /// The keys of a JSON value, recursively (the first element stands for an array's).
    static func shape(_ value: Any) -> String {
        if let object = value as? [String: Any] {
            // Keys that are agent ids name the run: the same shape has another run's ids.
            func key(_ name: String) -> String { RunID.prefix(of: name).map { name.replacingOccurrences(of: $0, with: "RUN") } ?? name }
            return "{" + object.keys.sorted().map { "\(key($0)):\(shape(object[$0]!))" }.joined(separator: ",") + "}"
        }
        if let array = value as? [Any] { return "[" + (array.first.map(shape) ?? "") + "]" }
        return "v"
    }
}
