import Foundation
import KBTestSupport
import Testing

/// What the browser test needs: Debian's chromium and chromedriver (or `$KB_CHROMIUM` and
/// `$KB_CHROMEDRIVER`, which ui_test.py reads too), selenium in the venv.
///
/// `make test` sets `KB_REQUIRE_BROWSER=1`, so there a missing one fails the test; a plain
/// `swift test` without them skips it.
enum BrowserTools {
    static let chromium = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KB_CHROMIUM"] ?? "/usr/bin/chromium")
    static let chromedriver = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KB_CHROMEDRIVER"] ?? "/usr/bin/chromedriver")
    static let python = NginxServer.repository.appendingPathComponent(".venv/bin/python")
    static let script = NginxServer.repository.appendingPathComponent("Tests/Browser/ui_test.py")

    /// Whether they must be there (set by `make test`).
    static var isRequired: Bool { ProcessInfo.processInfo.environment["KB_REQUIRE_BROWSER"] == "1" }

    /// What is missing, empty when nothing is.
    static var missing: [String] {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: chromium.path) { missing.append("chromium") }
        if !FileManager.default.isExecutableFile(atPath: chromedriver.path) { missing.append("chromium-driver") }
        let selenium = FileManager.default.isExecutableFile(atPath: python.path)
            && (try? ChildProcess.run(python, ["-c", "import selenium"], timeout: 30).status) == 0
        if !selenium { missing.append("selenium in .venv") }
        return missing
    }

    /// Run the test when everything is there or when it is required (then a gap fails it).
    static var enabled: Bool { isRequired || missing.isEmpty }
}

/// The web UI in headless chromium (Tests/Browser/ui_test.py) against the real
/// `kloudbuster serve`: log in, validate as one types, two local runs watched live, their
/// results and their comparison, and not one request to another host.
@Suite("The web UI in a browser", .serialized)
struct BrowserUITests {
    @Test("log in, a live run whose charts gain points, its verdict and result, a second run, the comparison; nothing but the server is asked",
          .enabled(if: BrowserTools.enabled, "needs chromium, chromium-driver and selenium (scripts/deps.sh installs them); KB_REQUIRE_BROWSER=1 fails instead of skipping"))
    func liveRunAndComparison() async throws {
        let missing = BrowserTools.missing
        try #require(missing.isEmpty, "KB_REQUIRE_BROWSER=1 but missing: \(missing.joined(separator: ", ")); run scripts/deps.sh as root")
        let harness = try await ServerAPITests.Harness()
        let out = harness.directory.appendingPathComponent("browser")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["KB_UI_URL"] = harness.url
        environment["KB_UI_OPERATOR_TOKEN"] = harness.operatorToken
        environment["KB_UI_VIEWER_TOKEN"] = harness.viewerToken
        environment["KB_UI_OUT"] = out.path
        let started = Date()
        let test = try ChildProcess(BrowserTools.python, [BrowserTools.script.path], environment: environment)
        let output = await test.wait(timeout: 150)
        let seconds = Date().timeIntervalSince(started)
        #expect(!output.timedOut, "the browser test outlived 150 s")
        #expect(output.status == 0, "ui_test.py failed (screenshots and chromedriver.log in \(out.path)):\n\(output.stderr.suffix(4000))")

        let line = try #require(output.stdout.split(separator: "\n").last { $0.hasPrefix("RESULT ") }, "no RESULT line: \(output.stdout)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any])
        let live = figures["live_points"] as? [Int] ?? []
        #expect(live.count == 2 && live[0] >= 1 && live[1] > live[0], "the live chart did not gain points: \(live)")
        #expect((figures["final_points"] as? Int ?? 0) >= 5)
        #expect((figures["compare_rows"] as? [String])?.count == 2)
        #expect((figures["requests"] as? Int ?? 0) > 0, "the network log is empty: it cannot show anything")
        #expect((figures["foreign_requests"] as? [String]) == [], "requests to other hosts: \(figures["foreign_requests"] ?? "?")")
        for name in ["live-running.png", "live.png", "result.png", "compare.png"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "no \(name)")
        }
        print("browser test: \(String(format: "%.1f", seconds)) s, \(line.dropFirst(7)); screenshots in \(out.path)")
    }
}
