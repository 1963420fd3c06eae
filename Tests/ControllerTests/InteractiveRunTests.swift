import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster run --interactive` typed at through a pseudo-terminal: several tests on one
/// staging, each with its own result, one cleanup.
@Suite("kloudbuster run --interactive", .serialized)
struct InteractiveRunTests {
    /// Drives `arguments` on a pty: waits for each prompt, then types the next answer.
    static func drive(_ arguments: [String], answers: [String], timeout: Int) throws -> (status: Int32, output: String) {
        let python = NginxServer.repository.appendingPathComponent(".venv/bin/python")
        let script = """
            import os, pty, sys, time, json
            answers = json.loads(sys.argv[1]); argv = sys.argv[2:]
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(argv[0], argv)
            out = b""; prompts = 0; deadline = time.time() + \(timeout)
            while time.time() < deadline:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                seen = out.count(b"q: clean up and exit")
                while prompts < seen and prompts < len(answers):
                    os.write(fd, (answers[prompts] + "\\n").encode()); prompts += 1
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace"))
            sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
            """
        let answers = String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self)
        let result = try ChildProcess.run(python, ["-c", script, answers] + arguments, timeout: Double(timeout + 30))
        return (result.status, result.stdout + result.stderr)
    }

    @Test("three tests on one staging: three results (test-1..3), agents started once, one cleanup, nothing left")
    func threeTestsOneStaging() throws {
        let workspace = try RunEndToEndTests.Workspace(duration: 2)
        let (status, output) = try Self.drive(
            [RunEndToEndTests.Binaries.kloudbuster.path, "run", "--interactive", "-c", workspace.config.path, "--state-dir", workspace.state.path,
             "--label", "base"],
            answers: ["", "warm", "q"], timeout: 120)
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(output.components(separatedBy: "started 4 of 4 agents").count - 1 == 1, "staged more than once:\n\(output)")
        #expect(output.components(separatedBy: "cleaned up").count - 1 == 1, "\(output.suffix(2000))")
        let (ledger, run) = try workspace.run()
        let folder = try ledger.store.runDirectory(for: run.id)
        var stages: [Int] = []
        for test in 1...3 {
            let data = try Data(contentsOf: folder.appendingPathComponent("test-\(test)/result.json"))
            let document = try JSONDecoder().decode(ResultDocument.self, from: data)
            #expect(document.test == test)
            #expect(document.verdict == .ok, "test \(test): \(document.verdict.reasons)")
            #expect(document.label == (test == 3 ? "warm" : "base"))
            let stage = try #require(document.kbResult.first)
            // 2 clients × 400 req/s × 2 s, every test; nginx's count is the test's own.
            #expect((1500...1700).contains(stage.httpTotalReq), "test \(test): \(stage.httpTotalReq)")
            let served = document.agents.filter { $0.role == "http-server" }.map(\.requests).reduce(0, +)
            #expect(served == stage.httpTotalReq, "test \(test): nginx served \(served)")
            stages.append(stage.stage)
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("test-\(test)/report.html").path))
        }
        #expect(stages == [1, 2, 3], "each test's stages are numbered on")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("test-4").path))
        #expect(try ledger.liveResources(run: run.id).isEmpty)
        #expect(RunLeftovers.all(runID: run.id).isEmpty)
    }

    @Test("an answer is a label, Enter alone repeats, q or end of input ends")
    func answers() {
        #expect(TerminalTestGate.step(for: "") == .again(label: nil))
        #expect(TerminalTestGate.step(for: "  tuned  ") == .again(label: "tuned"))
        #expect(TerminalTestGate.step(for: "q") == .finish)
        #expect(TerminalTestGate.step(for: "QUIT") == .finish)
        #expect(TerminalTestGate.step(for: nil) == .finish)
    }
}
