import Agent
import Foundation
import KBTestSupport
import Testing

@Suite("http-server role: nginx sized for the run", .serialized)
struct HTTPServerRoleTests {
    private func configuration(port: Int, htmlSize: Int = 1234, connections: Int = 100, cpus: Int = 4) -> NginxConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-role-\(UUID().uuidString.prefix(8))").path
        return NginxConfiguration(
            address: "127.0.0.7", port: port, htmlSize: htmlSize, expectedConnections: connections, directory: directory,
            cpus: cpus)
    }

    @Test("workers never exceed two per CPU; beyond that the configuration says what to change")
    func workersBoundedByCPUs() throws {
        let within = configuration(port: 80, connections: 76_000, cpus: 2)
        #expect(within.workers == 4)
        #expect(within.capacityProblem == nil)
        let beyond = configuration(port: 80, connections: 10_000_000, cpus: 2)
        #expect(beyond.workers == 4)
        let problem = try #require(beyond.capacityProblem)
        #expect(problem.contains("2 CPU(s) allow at most 4"))
        #expect(problem.contains("more server VMs"))
        #expect(beyond.text.contains("worker_processes 4;"))
    }

    @Test("one worker per 19,000 expected connections, and never more connections per worker than it can hold")
    func workersGrowWithConnections() {
        let cases: [(connections: Int, workers: Int)] = [(1, 1), (19_000, 1), (19_001, 2), (50_000, 3), (100_000, 6)]
        for (connections, workers) in cases {
            let config = configuration(port: 80, connections: connections)
            #expect(config.workers == workers)
            #expect(config.workerConnections * config.workers >= connections)
            #expect(config.workerConnections <= NginxConfiguration.connectionsPerWorker + 512)
        }
    }

    @Test("the page has exactly html_size bytes")
    func pageSize() {
        for size in [0, 5, 26, 27, 1024, 65_536] {
            #expect(configuration(port: 80, htmlSize: size).page.count == size)
        }
    }

    @Test("stub_status text parses; anything else does not")
    func stubStatusParses() throws {
        let text = "Active connections: 291 \nserver accepts handled requests\n 16630948 16630947 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n"
        let status = try #require(StubStatus(parsing: text))
        #expect(status.active == 291)
        #expect(status.accepts == 16_630_948)
        #expect(status.handled == 16_630_947)
        #expect(status.requests == 31_070_465)
        #expect(status.reading == 6 && status.writing == 179 && status.waiting == 106)
        #expect(StubStatus(parsing: "<html>404 Not Found</html>") == nil)
        #expect(StubStatus(parsing: "") == nil)
    }

    @Test("nginx serves the page on the VM's address, counts requests, and is gone after stop")
    func servesAndStops() async throws {
        let port = try ClosedPort.reserve()
        let role = HTTPServerRole(configuration: configuration(port: port, htmlSize: 1234))
        try await role.start()
        let pid = try #require(await role.pid)
        let before = try #require(await role.counters())
        let curl = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-w", "\n%{http_code} %{size_download}", "http://127.0.0.7:\(port)/"],
            timeout: 10)
        #expect(curl.stdout.hasSuffix("200 1234"))
        #expect(curl.stdout.hasPrefix("<html><body>"))
        let after = try #require(await role.counters())
        // The role's own status requests are not counted: only the page, once.
        #expect(after.requests == before.requests + 1)
        await role.stop()
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        #expect(await role.counters() == nil)
    }

    @Test("a port that is taken fails the start with nginx's own reason")
    func takenPortFails() async throws {
        let listener = try SilentListener()
        let role = HTTPServerRole(configuration: NginxConfiguration(
            address: "127.0.0.1", port: listener.port, htmlSize: 10, expectedConnections: 10,
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("kb-role-\(UUID().uuidString.prefix(8))").path))
        do {
            try await role.start(readiness: .seconds(5))
            Issue.record("nginx started on a port that is taken")
        } catch {
            #expect(error.description.contains("in use"))
        }
        #expect(await role.pid == nil)
    }
}
