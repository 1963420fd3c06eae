import Foundation
import KBTestSupport
import Testing

/// `kloudbuster serve --tls-cert --tls-key`: HTTPS with the operator's certificate, checked
/// by curl against that certificate as its only CA; plain HTTP on that port gets nothing; a
/// wrong file stops the command before it binds, naming the file.
@Suite("kloudbuster serve over TLS", .serialized)
struct ServerTLSTests {
    /// A self-signed P-256 certificate for 127.0.0.1 and its key, made by openssl in `folder`.
    static func certificate(in folder: URL, name: String) throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("\(name).crt").path, key = folder.appendingPathComponent("\(name).key").path
        let result = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ], timeout: 30)
        guard result.status == 0 else { throw FixtureError("openssl req failed: \(result.stderr)") }
        return (certificate, key)
    }

    @Test("HTTPS with the given certificate: curl trusts it as its only CA, tokens work, plain HTTP gets no answer")
    func https() async throws {
        let harness = try await ServerAPITests.Harness { folder in
            let made = try Self.certificate(in: folder, name: "server")
            return (["--tls-cert", made.certificate, "--tls-key", made.key], ["--cacert", made.certificate])
        }
        #expect(harness.url.hasPrefix("https://127.0.0.1:"), "\(harness.url)")
        #expect(try harness.request("GET", "/v1/health", token: nil).status == 200)
        #expect(try harness.request("GET", "/v1/runs", token: nil).status == 401)
        #expect(try harness.request("GET", "/v1/runs", token: harness.viewerToken).status == 200)
        #expect(try harness.request("POST", "/v1/runs", token: harness.viewerToken, json: "{}").status == 403)

        // Without the certificate as a CA, curl refuses the server (the check is real).
        let untrusted = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-o", "/dev/null", harness.url + "/v1/health"], timeout: 30)
        #expect(untrusted.status == 60, "curl without --cacert: exit \(untrusted.status)")
        // Plain HTTP on the TLS port: no HTTP response at all.
        let plain = harness.url.replacingOccurrences(of: "https://", with: "http://")
        let clear = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", plain + "/v1/health"], timeout: 30)
        #expect(clear.stdout == "000", "plain HTTP got \(clear.stdout)")
        // The server keeps serving after the plain-text attempt.
        #expect(try harness.request("GET", "/v1/health", token: nil).status == 200)
    }

    @Test("a missing, malformed or mismatched certificate or key stops serve before it binds, naming the file")
    func badFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = try Self.certificate(in: folder, name: "one"), two = try Self.certificate(in: folder, name: "two")
        let junk = folder.appendingPathComponent("junk.pem").path
        try "not a certificate\n".write(toFile: junk, atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("state").path
        let cases: [([String], String)] = [
            (["--tls-cert", one.certificate], "--tls-cert needs --tls-key"),
            (["--tls-key", one.key], "--tls-key needs --tls-cert"),
            (["--tls-cert", folder.appendingPathComponent("nope.crt").path, "--tls-key", one.key], "nope.crt: no such file"),
            (["--tls-cert", junk, "--tls-key", one.key], "--tls-cert \(junk): not a PEM certificate"),
            (["--tls-cert", one.certificate, "--tls-key", junk], "--tls-key \(junk): not an unencrypted PEM private key"),
            (["--tls-cert", one.certificate, "--tls-key", two.key], "does not fit --tls-cert"),
        ]
        for (arguments, message) in cases {
            let result = try ChildProcess.run(
                RunEndToEndTests.Binaries.kloudbuster, ["serve", "--port", "0", "--state-dir", state] + arguments, timeout: 30)
            #expect(result.status == 2, "\(arguments): exit \(result.status) \(result.stdout)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stdout.contains("listening on"), "\(arguments): it bound anyway")
        }
    }
}
