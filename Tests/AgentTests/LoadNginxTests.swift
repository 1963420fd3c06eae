import Foundation
import KBTestSupport
import Proto
import Testing

/// `kb-agent load` against a real nginx on loopback: what a user relies on when they read
/// its numbers.
@Suite("kb-agent load against nginx", .serialized)
struct LoadNginxTests {
    @Test("every request nginx logged is counted, and nothing else")
    func countMatchesNginx() async throws {
        let nginx = try NginxServer(.init(accessLog: true))
        let result = try await KBAgentBinary.load([nginx.url("/"), "-c", "8", "-t", "2", "-d", "2s"])
        let logged = try nginx.accessLogLines()
        #expect(result.requests > 1000)
        #expect(UInt64(logged.count) == result.requests)
        #expect(result.status_codes["200"] == result.requests)
        #expect(result.errors.total == 0)
        #expect(try Histogram(decodingV2Base64: result.histogram).totalCount == Int64(result.requests))
    }

    @Test("a wrk command line runs unchanged: glued short options, SI counts, --latency")
    func wrkCommandLine() async throws {
        let nginx = try NginxServer()
        let run = try await KBAgentBinary.start(["load", "-t1", "-c2", "-d1s", "--latency", nginx.url("/")]).wait(timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("1 thread and 2 connections"), "\(run.stdout)")
        let counted = try await KBAgentBinary.load([nginx.url("/"), "-c", "0.002k", "-t1", "-d", "500ms"])
        #expect(counted.requests > 0)
    }

    @Test("one connection per request (--close) is counted exactly too")
    func closeModeCountMatchesNginx() async throws {
        let nginx = try NginxServer(.init(accessLog: true))
        let result = try await KBAgentBinary.load([nginx.url("/"), "-c", "4", "-t", "1", "-d", "2s", "--close"])
        #expect(result.requests > 100)
        #expect(UInt64(try nginx.accessLogLines().count) == result.requests)
        #expect(result.errors.total == 0)
    }

    @Test("--source spreads connections over the given local addresses")
    func sourceAddressesAreUsed() async throws {
        let nginx = try NginxServer(.init(accessLog: true))
        let result = try await KBAgentBinary.load([
            nginx.url("/"), "-c", "6", "-t", "2", "-d", "1s", "--source", "127.0.0.2-127.0.0.4",
        ])
        #expect(result.requests > 100)
        #expect(result.errors.total == 0)
        // Log lines are "status uri remote_addr method request_length msec".
        let clients = Set(try nginx.accessLogLines().map { $0.split(separator: " ")[2] })
        #expect(clients == ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
    }

    @Test("--method and --body-size send that method with a body of exactly that size")
    func methodAndBody() async throws {
        let nginx = try NginxServer(.init(accessLog: true))
        // One keep-alive connection: a body shorter than its Content-Length would stall the
        // next request, a longer one would be read as the next request and get a 400.
        let result = try await KBAgentBinary.load([
            nginx.url("/"), "-c", "1", "-t", "1", "-d", "1s", "--method", "POST", "--body-size", "1k",
        ])
        #expect(result.requests > 100)
        #expect(result.errors.total == 0)
        #expect(result.status_codes == ["200": result.requests])
        let lines = try nginx.accessLogLines()
        #expect(UInt64(lines.count) == result.requests)
        // Log lines are "status uri remote_addr method request_length msec".
        #expect(lines.allSatisfy { $0.split(separator: " ")[3] == "POST" })
    }

    @Test("a location that returns 500 counts as status errors")
    func serverErrorsAreStatusErrors() async throws {
        let nginx = try NginxServer()
        // No 2xx or 3xx response at all: every request failed, exit status 1.
        let (result, run) = try await KBAgentBinary.loadWithOutput([nginx.url("/500"), "-c", "4", "-t", "1", "-d", "1s"], status: 1)
        #expect(result.requests > 0)
        #expect(result.status_codes["500"] == result.requests)
        #expect(result.errors.status == result.requests)
        #expect(result.errors.connect + result.errors.read + result.errors.timeout == 0)
        #expect(result.error_reasons == ["status": "status 500"])
        #expect(run.stderr.contains("every request failed"), "\(run.stderr)")
    }

    @Test("a closed port gives connect errors that say \"connection refused\", and exit status 1")
    func closedPortGivesConnectErrors() async throws {
        let port = try ClosedPort.reserve()
        let (result, run) = try await KBAgentBinary.loadWithOutput(
            ["http://127.0.0.1:\(port)/", "-c", "4", "-t", "1", "-d", "1s"], status: 1)
        #expect(result.requests == 0)
        #expect(result.errors.connect >= 4)
        #expect(result.errors.read + result.errors.timeout + result.errors.status == 0)
        #expect(result.error_reasons == ["connect": "connection refused"])
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("every request failed"), "\(run.stderr)")
        #expect(run.stderr.contains("connect errors: \(result.errors.connect) (connection refused)"), "\(run.stderr)")
    }

    @Test("the text summary gives each error kind its reason, as wrk users read it")
    func textSummaryNamesTheReason() async throws {
        let port = try ClosedPort.reserve()
        let run = try await KBAgentBinary.start(["load", "http://127.0.0.1:\(port)/", "-c", "2", "-t", "1", "-d", "500ms"]).wait(timeout: 30)
        #expect(run.status == 1)
        #expect(run.stdout.contains("connect errors: "), "\(run.stdout)")
        #expect(run.stdout.contains(" (connection refused)"), "\(run.stdout)")
    }

    @Test("https against a plain-HTTP port says the TLS handshake failed")
    func tlsAgainstPlainHTTPSaysHandshake() async throws {
        let nginx = try NginxServer()
        let (result, run) = try await KBAgentBinary.loadWithOutput(
            ["https://127.0.0.1:\(nginx.port)/", "-c", "2", "-t", "1", "-d", "1s", "--insecure"], status: 1)
        #expect(result.requests == 0)
        #expect(result.errors.connect > 0)
        let reason = try #require(result.error_reasons["connect"])
        #expect(reason.hasPrefix("TLS handshake failed: "), "\(reason)")
        #expect(reason.count > "TLS handshake failed: ".count + 3, "\(reason)")
        #expect(run.stderr.contains("TLS handshake failed"), "\(run.stderr)")
    }

    @Test("a rate the target cannot carry exits 3 and says so")
    func unreachableRateExits3() async throws {
        let nginx = try NginxServer()
        let (result, run) = try await KBAgentBinary.loadWithOutput(
            [nginx.url("/"), "-c", "2", "-t", "1", "-d", "1s", "-R", "1M"], status: 3)
        #expect(result.requests > 0)
        #expect(result.rps < 950_000)
        #expect(run.stderr.contains("target rate 1,000,000 req/s not reached: "), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    @Test("a server that accepts and never answers gives timeouts")
    func silentServerGivesTimeouts() async throws {
        let silent = try SilentListener()
        let result = try await KBAgentBinary.load([
            "http://127.0.0.1:\(silent.port)/", "-c", "4", "-t", "1", "-d", "2s", "--timeout", "500ms",
        ], status: 1)
        #expect(result.requests == 0)
        // Each connection times out about every 500 ms for 2 s, and the last ones in the drain.
        #expect(result.errors.timeout >= 8)
        #expect(result.errors.connect == 0)
        #expect(result.error_reasons == ["timeout": "no complete response within the timeout"])
    }

    @Test("Content-Length bodies are read whole")
    func contentLengthBodies() async throws {
        let nginx = try NginxServer()
        let result = try await KBAgentBinary.load([nginx.url("/file"), "-c", "4", "-t", "1", "-d", "1s"])
        #expect(result.requests > 100)
        #expect(result.errors.total == 0)
        // 10,000 bytes of body plus headers per response.
        #expect(result.bytes_read >= result.requests * 10_000)
        #expect(result.bytes_read < result.requests * 10_400)
    }

    @Test("chunked bodies are parsed")
    func chunkedBodies() async throws {
        let nginx = try NginxServer()
        // Check that this location really answers chunked, or the test proves nothing.
        let curl = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-s", "-o", "/dev/null", "-D", "-", "-H", "Accept-Encoding: gzip", nginx.url("/gzip/file.txt")],
            timeout: 10)
        #expect(curl.stdout.lowercased().contains("transfer-encoding: chunked"))
        let result = try await KBAgentBinary.load([
            nginx.url("/gzip/file.txt"), "-c", "4", "-t", "1", "-d", "1s", "-H", "Accept-Encoding: gzip",
        ])
        #expect(result.requests > 100)
        #expect(result.errors.total == 0)
        #expect(result.status_codes["200"] == result.requests)
    }

    @Test("HTTPS works against a self-signed certificate with --insecure, and is refused without")
    func https() async throws {
        let nginx = try NginxServer(.init(tls: true))
        let port = try #require(nginx.tlsPort)
        let url = "https://127.0.0.1:\(port)/"
        let insecure = try await KBAgentBinary.load([url, "-c", "4", "-t", "1", "-d", "1s", "--insecure"])
        #expect(insecure.requests > 100)
        #expect(insecure.errors.total == 0)
        let verified = try await KBAgentBinary.load([url, "-c", "2", "-t", "1", "-d", "1s"], status: 1)
        #expect(verified.requests == 0)
        #expect(verified.errors.connect > 0)
        let reason = try #require(verified.error_reasons["connect"])
        #expect(reason.hasPrefix("TLS handshake failed: certificate verify failed"), "\(reason)")
    }

    @Test("interval reports add up to the total: no sample is lost between snapshots")
    func intervalsAddUp() async throws {
        let nginx = try NginxServer()
        let result = try await KBAgentBinary.load([
            nginx.url("/"), "-c", "8", "-t", "2", "-d", "3s", "--interval", "500ms",
        ])
        let intervals = try #require(result.intervals)
        #expect(intervals.count >= 5 && intervals.count <= 7)
        #expect(intervals.reduce(0) { $0 + $1.requests } == result.requests)
    }

    @Test("a rate is kept: requests match rate × duration")
    func rateIsKept() async throws {
        let nginx = try NginxServer()
        let result = try await KBAgentBinary.load([nginx.url("/"), "-c", "10", "-t", "2", "-R", "500", "-d", "4s"])
        #expect(result.requests >= 1900 && result.requests <= 2100)
        #expect(result.errors.total == 0)
    }

    @Test("coordinated omission: a 1 s server stall shows in p99 when a rate is set")
    func coordinatedOmissionIsCorrected() async throws {
        let nginx = try NginxServer()
        let worker = try #require(try nginx.workerPIDs().first)
        let child = try KBAgentBinary.start([
            "load", nginx.url("/"), "-c", "10", "-t", "1", "-R", "1000", "-d", "5s", "--json",
        ])
        try await Task.sleep(for: .milliseconds(2000))
        kill(worker, SIGSTOP)
        try await Task.sleep(for: .milliseconds(1000))
        kill(worker, SIGCONT)
        let output = await child.wait(timeout: 30)
        #expect(output.status == 0)
        let result = try LoadJSON.decode(output.stdout)
        // About a fifth of the schedule fell into the stall: those requests waited up to 1 s.
        #expect(result.latency_us.p99 >= 300_000)
        #expect(result.latency_us.max >= 900_000)
        // The schedule was kept: the stalled requests were sent late, not skipped.
        #expect(result.requests >= 4800)
    }
}
