import Foundation
import KBTestSupport
import Testing

@Suite("runs at once, and late reports", .serialized)
struct IsolationAndLateReportTests {
    @Test("two local runs started together use disjoint addresses: each run's servers count only its own clients")
    func concurrentRuns() async throws {
        let tool = "connections: 5\nrate_limit: 300\nduration: 4\nreport_interval: 1"
        let first = try TrustWorkspace(tool: tool)
        let second = try TrustWorkspace(tool: tool, state: first.state)
        let a = try first.start()
        let b = try second.start()
        let outputs = [await a.wait(timeout: 120), await b.wait(timeout: 120)]
        var addresses: [Set<String>] = []
        for output in outputs {
            #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
            let runID = try #require(TrustWorkspace.runID(in: output.stdout))
            let agents = try #require(try first.result(runID)["agents"] as? [[String: Any]])
            func requests(_ role: String) -> Int {
                agents.filter { $0["role"] as? String == role }.compactMap { $0["requests"] as? Int }.reduce(0, +)
            }
            #expect(requests("http-client") > 0)
            #expect(requests("http-server") == requests("http-client"), "\(runID): servers counted another run's clients")
            addresses.append(Set(agents.compactMap { $0["address"] as? String }))
        }
        #expect(addresses.count == 2 && addresses[0].isDisjoint(with: addresses[1]), "\(addresses)")
    }

    @Test("a controller stopped for 2 s near a stage's end: the hlog and the JSON intervals still add up to the stage total")
    func lateReportsCount() async throws {
        let workspace = try TrustWorkspace(tool: "connections: 5\nrate_limit: 500\nduration: 4\nreport_interval: 1")
        let controller = try workspace.start()
        #expect(await controller.waitForOutput("stage 1:", timeout: 60))
        // Start comes 2 s after the banner; the stage's last second begins 5 s after it.
        try await Task.sleep(for: .milliseconds(5_300))
        kill(controller.pid, SIGSTOP)
        try await Task.sleep(for: .seconds(2))
        kill(controller.pid, SIGCONT)
        let output = await controller.wait(timeout: 120)
        #expect(output.status == 0 || output.status == 3, "\(output.stdout)\n\(output.stderr)")
        let runID = try #require(TrustWorkspace.runID(in: output.stdout))
        let document = try workspace.result(runID)
        let stage = try #require((document["kb_result"] as? [[String: Any]])?.first)
        let total = try #require(stage["http_total_req"] as? Int)
        let intervals = try #require(document["intervals"] as? [[String: Any]])
        let summed = intervals.compactMap { $0["requests"] as? Int }.reduce(0, +)
        #expect(total > 0)
        #expect(summed == total, "JSON intervals \(summed) against stage total \(total)")
        let hlog = try HlogTotal.count(workspace.runFolder(runID).appendingPathComponent("result.hlog"))
        #expect(hlog == total, "hlog \(hlog) against stage total \(total)")
    }
}

/// The total count of an .hlog, read by the Python HdrHistogram package's own log reader.
enum HlogTotal {
    static func count(_ file: URL) throws -> Int {
        let python = ProcessInfo.processInfo.environment["KB_PYTHON"]
            ?? NginxServer.repository.appendingPathComponent(".venv/bin/python").path
        let script = """
            from hdrh.histogram import HdrHistogram
            from hdrh.log import HistogramLogReader
            reader = HistogramLogReader("\(file.path)", HdrHistogram(1, 3600000000, 3))
            n = 0
            while True:
                i = reader.get_next_interval_histogram()
                if i is None: break
                n += i.get_total_count()
            print(n)
            """
        let result = try ChildProcess.run(URL(fileURLWithPath: python), ["-c", script], timeout: 60)
        guard result.status == 0, let n = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw FixtureError("python could not read \(file.path): \(result.stderr)")
        }
        return n
    }
}
