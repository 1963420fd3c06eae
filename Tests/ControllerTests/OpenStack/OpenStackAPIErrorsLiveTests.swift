@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// API failures as users meet them, each provoked on the real control plane where it can be
/// (401, 403, 404, 409, quota), and where it cannot be provoked on demand (a 5xx, a service that
/// never answers) against a stand-in on loopback, as each test says.
@Suite("OpenStack API errors on the real control plane", .serialized, .enabled(if: OpenStackHarness.enabled))
struct OpenStackAPIErrorsLiveTests {
    @Test("401: a wrong password names the Keystone call, the user and the credentials to check")
    func unauthorized() async throws {
        var credentials = try OpenStackHarness.adminCredentials()
        credentials.secret = .password("wrong")
        let error = await #expect(throws: OpenStackAPIError.self) {
            _ = try await OpenStackSession(credentials: credentials).currentToken()
        }
        #expect(error?.kind == .unauthorized)
        #expect(error?.description.contains("authenticate with Keystone as admin") == true)
        #expect(error?.description.contains("check the credentials") == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("403, 404, 409 and quota: which call, which resource, the service's words, what to do")
    func projectErrors() async throws {
        let project = try await OpenStackMemberTests.ReusedProject.make(ram: 384)
        defer { Task { try? await project.delete() } }
        var credentials = try OpenStackHarness.adminCredentials()
        credentials.username = "\(project.name)-srv"
        credentials.secret = .password(project.password)
        credentials.projectName = project.name
        let member = OpenStackSession(credentials: credentials, attempts: 1)

        let forbidden = await #expect(throws: OpenStackAPIError.self) {
            _ = try await IdentityAPI(session: member).createProject(name: "kb-test-forbidden", domainID: "default", description: "")
        }
        #expect(forbidden?.kind == .forbidden)
        #expect(forbidden?.description.contains("create project kb-test-forbidden") == true)
        #expect(forbidden?.description.contains("403 Forbidden") == true)

        let network = NetworkAPI(session: member)
        let missing = await #expect(throws: OpenStackAPIError.self) {
            try await network.update(.network, id: "00000000-0000-0000-0000-000000000000", ["name": "x"], describing: "rename network 0000")
        }
        #expect(missing?.kind == .notFound)
        #expect(missing?.description.contains("rename network 0000") == true && missing?.description.contains("could not be found") == true)

        let net = try await network.create(.network, ["name": "kb-test-busy"], describing: "kb-test-busy")
        let netID = try net.requireString("id")
        _ = try await network.create(.port, ["network_id": .of(netID), "name": "kb-test-port"], describing: "kb-test-port")
        let busy = await #expect(throws: OpenStackAPIError.self) {
            _ = try await member.send(APIRequest(.network, "DELETE", "networks/\(netID)", operation: "delete network kb-test-busy", retry: .never))
        }
        #expect(busy?.kind == .conflict)
        #expect(busy?.description.contains("delete network kb-test-busy") == true && busy?.description.contains("409") == true)
        #expect(busy?.description.contains("in use") == true, "\(busy.map { "\($0)" } ?? "")")
        for port in try await network.list(.port, ["network_id": netID]) {
            try await network.delete(.port, id: try port.requireString("id"), describing: "kb-test-port")
        }
        try await network.delete(.network, id: netID, describing: "kb-test-busy")

        try await NetworkAPI(session: try OpenStackHarness.adminSession()).setQuota(project: project.projectID, ["network": 0])
        let quota = await #expect(throws: OpenStackAPIError.self) {
            _ = try await network.create(.network, ["name": "kb-test-over"], describing: "kb-test-over")
        }
        #expect(quota?.kind == .quotaExceeded)
        #expect(quota?.description.contains("create network kb-test-over") == true && quota?.description.contains("raise it") == true)
    }

    @Test("5xx: a service that keeps failing is retried, then named with its status (stand-in: a Python server answering 503)")
    func serverError() async throws {
        let server = try StatusServer(status: 503)
        defer { server.stop() }
        let credentials = try OpenStackCredentials(variables: [
            "OS_AUTH_URL": "http://127.0.0.1:\(server.port)/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p", "OS_PROJECT_NAME": "p",
        ], source: "test")
        let session = OpenStackSession(credentials: credentials, attempts: 3, retryDelay: .milliseconds(50))
        let error = await #expect(throws: OpenStackAPIError.self) { _ = try await session.currentToken() }
        #expect(error?.kind == .serverError)
        #expect(error?.description.contains("503 Service Unavailable") == true && error?.description.contains("retried") == true)
        #expect(server.requestCount() == 3)
    }

    @Test("timeout: a service that accepts and never answers is cut at the bound (stand-in: a silent listener)")
    func timeout() async throws {
        let listener = try SilentListener()
        let credentials = try OpenStackCredentials(variables: [
            "OS_AUTH_URL": "http://127.0.0.1:\(listener.port)/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p", "OS_PROJECT_NAME": "p",
        ], source: "test")
        let session = OpenStackSession(credentials: credentials, transport: OpenStackTransport(timeout: .seconds(1)), attempts: 1)
        let error = await #expect(throws: OpenStackAPIError.self) { _ = try await session.currentToken() }
        #expect(error?.kind == .timeout)
        #expect(error?.description.contains("no reply within 1") == true, "\(error.map { "\($0)" } ?? "")")
    }
}

/// A Python HTTP/1.1 server on loopback that answers every request with one status and counts
/// them: a stand-in for a failing OpenStack service, which the real one cannot be made into on
/// demand.
final class StatusServer {
    let port: Int
    private let child: ChildProcess
    private let countFile: URL

    init(status: Int) throws {
        port = try ClosedPort.reserve()
        countFile = FileManager.default.temporaryDirectory.appendingPathComponent("kb-status-\(UUID().uuidString.prefix(8))")
        let script = """
            import http.server, sys
            count = 0
            class H(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def answer(self):
                    global count
                    count += 1
                    open(sys.argv[2], "w").write(str(count))
                    length = int(self.headers.get("Content-Length") or 0)
                    self.rfile.read(length)
                    body = b'<html><body><h1>\(status) Service Unavailable</h1></body></html>'
                    self.send_response(\(status)); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                do_GET = do_POST = answer
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, "\(port)", countFile.path])
        for _ in 0..<100 where !Self.accepts(port) { usleep(50_000) }
    }

    func requestCount() -> Int {
        Int((try? String(contentsOf: countFile, encoding: .utf8)) ?? "0") ?? 0
    }

    func stop() {
        kill(child.pid, SIGKILL)
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
