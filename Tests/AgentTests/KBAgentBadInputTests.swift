import Foundation
import KBTestSupport
import Testing

/// Runs the built `kb-agent` binary with bad input: each must exit with status 2, quickly, and
/// print exactly one line on stderr that names the option or the problem.
@Suite(.serialized) struct KBAgentBadInputTests {
    @Test(arguments: [
        (["load", "not a url"], "URL"),
        (["load", "ftp://127.0.0.1/"], "ftp"),
        (["load", "http://no-such-host.invalid/", "-d", "1s"], "no-such-host.invalid"),
        (["load", "http://127.0.0.1:0/"], "port 0"),
        (["load", "http://127.0.0.1:1/", "-d", "0"], "--duration"),
        (["load", "http://127.0.0.1:1/", "-d", "-5s"], "--duration"),
        (["load", "http://127.0.0.1:1/", "-R", "0"], "--rate"),
        (["load", "http://127.0.0.1:1/", "-c", "0"], "--connections"),
        (["load", "http://127.0.0.1:1/", "-c", "-3"], "--connections"),
        (["load", "http://127.0.0.1:1/", "--bogus"], "--bogus"),
        (["load"], "url"),
        (["load", "http://127.0.0.1:1/", "--body-size", "-1"], "must be at least 0 (got -1)"),
        (["load", "http://127.0.0.1:1/", "-c-1"], "must be at least 1 (got -1)"),
        (["load", "http://127.0.0.1:1/", "-t", "-1"], "--threads: must be at least 1 (got -1)"),
        (["load", "http://127.0.0.1:1/", "-c", "1.5"], "not a whole number"),
        (["load", "http://127.0.0.1:1/", "-H", "X-A: 1\r\nX-B: 2"], "-H/--header"),
        (["load", "http://127.0.0.1:1/", "-H", "X-A: 1\nX-B: 2"], "inject"),
        (["load", "http://127.0.0.1:1/", "--body-size", "10g"], "--body-size"),
        (["load", "http://127.0.0.1:1/", "-d", "1s", "--hlog", "/nonexistent-kb-folder/run.hlog"],
         "cannot write /nonexistent-kb-folder/run.hlog: no such directory"),
    ])
    func exitsWithStatus2AndOneLine(arguments: [String], expected: String) async throws {
        let run = try await KBAgentBinary.start(arguments).wait(timeout: 10)
        #expect(!run.timedOut, "kb-agent \(arguments) did not exit within 10 s")
        #expect(run.status == 2, "kb-agent \(arguments) exited with \(run.status); stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "kb-agent \(arguments) printed \(lines.count) lines on stderr: \(run.stderr)")
        #expect(run.stderr.contains(expected), "kb-agent \(arguments): \(run.stderr)")
        // Not Foundation's error dumps, and not the URL blamed for another option.
        #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("Error Domain="), "\(run.stderr)")
        #expect(!run.stderr.contains("Missing value"), "\(run.stderr)")
        if arguments.contains("--body-size") { #expect(!run.stderr.contains("URL"), "\(run.stderr)") }
    }

    @Test(arguments: [["--version"], ["load", "--version"]])
    func versionPrintsTheVersion(arguments: [String]) async throws {
        let run = try await KBAgentBinary.start(arguments).wait(timeout: 10)
        #expect(run.status == 0, "kb-agent \(arguments): \(run.stderr)")
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0", "\(run.stdout)")
    }

    @Test func helpDocumentsLatencyAndTheExitStatuses() async throws {
        let run = try await KBAgentBinary.start(["load", "--help"]).wait(timeout: 10)
        #expect(run.stdout.contains("--latency"))
        #expect(run.stdout.contains("ignored"))
        let flat = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("1 when every request failed"), "\(flat)")
        #expect(flat.contains("3 when the run completed but its result is not trustworthy"), "\(flat)")
    }

    @Test func helpStillExitsZero() async throws {
        let run = try await KBAgentBinary.start(["load", "--help"]).wait(timeout: 10)
        #expect(run.status == 0)
        #expect(run.stdout.contains("--connections"))
        #expect(run.stdout.contains("--rate"))
    }
}
