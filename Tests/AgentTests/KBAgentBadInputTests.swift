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
    ])
    func exitsWithStatus2AndOneLine(arguments: [String], expected: String) async throws {
        let run = try await KBAgentBinary.start(arguments).wait(timeout: 10)
        #expect(!run.timedOut, "kb-agent \(arguments) did not exit within 10 s")
        #expect(run.status == 2, "kb-agent \(arguments) exited with \(run.status); stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "kb-agent \(arguments) printed \(lines.count) lines on stderr: \(run.stderr)")
        #expect(run.stderr.contains(expected), "kb-agent \(arguments): \(run.stderr)")
    }

    @Test func helpStillExitsZero() async throws {
        let run = try await KBAgentBinary.start(["load", "--help"]).wait(timeout: 10)
        #expect(run.status == 0)
        #expect(run.stdout.contains("--connections"))
        #expect(run.stdout.contains("--rate"))
    }
}
