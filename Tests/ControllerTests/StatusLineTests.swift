@testable import Controller
import Synchronization
import Testing

@Suite("StatusLine: a bar redrawn in place on a terminal, plain lines elsewhere")
struct StatusLineTests {
    /// What was written, in order.
    final class Output: Sendable {
        let writes = Mutex<[String]>([])
        var text: String { writes.withLock { $0.joined() } }
        func line(terminal: Bool) -> StatusLine {
            StatusLine(isTerminal: terminal, columns: { 80 }, write: { text in self.writes.withLock { $0.append(text) } })
        }
    }

    @Test("not a terminal: a status is never drawn, lines are printed as they are")
    func notTerminal() {
        let output = Output()
        let status = output.line(terminal: false)
        status.show("booting VMs [###...]")
        status.print("tenant 1 of 2 ready")
        status.finish()
        status.clear()
        #expect(output.text == "tenant 1 of 2 ready\n")
    }

    @Test("a terminal: the status is redrawn in place, a line printed meanwhile goes above it, finish keeps its last state")
    func terminal() {
        let output = Output()
        let status = output.line(terminal: true)
        status.show("bar 1")
        status.show("bar 2")
        status.print("joined 1 of 4 agents")
        status.finish()
        status.print("staged")
        let erase = "\u{1B}[K"
        #expect(output.text == "\rbar 1\(erase)\rbar 2\(erase)\rjoined 1 of 4 agents\(erase)\nbar 2\(erase)\nstaged\n")
    }

    @Test("clear erases the status and ends it")
    func clear() {
        let output = Output()
        let status = output.line(terminal: true)
        status.show("bar")
        status.clear()
        status.print("next")
        #expect(output.text == "\rbar\u{1B}[K\r\u{1B}[Knext\n")
    }
}
