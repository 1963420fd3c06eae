import Foundation
import KBTestSupport
import Testing

/// schemathesis (PyPI) against the served /openapi.yaml: every response matches the document,
/// no 5xx, the server keeps serving. Starting runs is fuzzed with a viewer token (every start
/// is refused, 403, as documented) so that the fuzzer never stages hundreds of runs.
@Suite("kloudbuster serve under schemathesis", .serialized)
struct ServerFuzzTests {
    static var schemathesis: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["KB_SCHEMATHESIS"]
            ?? NginxServer.repository.appendingPathComponent(".venv/bin/schemathesis").path)
    }

    /// One schemathesis run; returns (generated, passed) from its summary.
    func fuzz(_ harness: ServerAPITests.Harness, token: String, operations: [String], examples: Int) throws -> (generated: Int, passed: Int, output: String) {
        let result = try ChildProcess.run(Self.schemathesis, [
            "run", harness.url + "/openapi.yaml", "-H", "Authorization: Bearer \(token)", "--checks", "all",
            "-n", "\(examples)", "--no-color", "--generation-database", "none", "-w", "1", "--seed", "20261203",
        ] + operations, timeout: 300)
        // "715 generated, 715 passed, 16 skipped" or "..., 3 found 3 unique failures, ..."
        let summary = result.stdout.split(separator: "\n").last { $0.contains(" generated, ") } ?? ""
        let numbers = summary.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
        let generated = numbers.first ?? 0
        let passed = summary.contains(" passed") ? (numbers.dropFirst().first ?? 0) : 0
        #expect(result.status == 0, "schemathesis found failures:\n\(result.stdout.suffix(6000))\n\(result.stderr.suffix(2000))")
        return (generated, passed, result.stdout)
    }

    @Test("at least 500 generated requests, every response as documented, no 5xx")
    func everyResponseMatchesTheDocument() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.schemathesis.path) else {
            Issue.record("schemathesis is missing: run scripts/python-env.sh (make deps does)")
            return
        }
        let harness = try await ServerAPITests.Harness()
        // A finished CLI run, so that the run routes also answer 200s, not only 404s.
        let config = harness.directory.appendingPathComponent("config.yaml")
        try RunEndToEndTests.Workspace.yaml(duration: 2).write(to: config, atomically: true, encoding: .utf8)
        let cli = try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, ["run", "-c", config.path, "--state-dir", harness.state.path], timeout: 120)
        #expect(cli.status == 0, "\(cli.stderr)")

        let operator_ = try fuzz(harness, token: harness.operatorToken, operations: ["--exclude-operation-id", "startRun"], examples: 30)
        let viewer = try fuzz(harness, token: harness.viewerToken, operations: ["--include-operation-id", "startRun"], examples: 40)
        #expect(operator_.generated + viewer.generated >= 500, "\(operator_.generated) + \(viewer.generated) requests")
        #expect(operator_.passed == operator_.generated && viewer.passed == viewer.generated)
        #expect(try harness.request("GET", "/v1/health", token: nil).status == 200, "the server stopped serving")
        let runs = try harness.object(try harness.request("GET", "/v1/runs", token: harness.viewerToken).body)["runs"] as? [Any]
        #expect(runs?.count == 1, "the fuzzer started runs")
    }
}
