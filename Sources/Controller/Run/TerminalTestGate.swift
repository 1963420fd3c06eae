import Foundation

/// `run --interactive`'s prompt: after each test, Enter runs it again on the same staging, a
/// label and Enter runs it again under that label, `q` (or end of input) cleans up and exits.
public struct TerminalTestGate: RunTestGate {
    /// Where the prompt goes.
    let console: ConsoleReport

    /// A prompt on `console`, answered on standard input.
    public init(console: ConsoleReport = .standardOutput) {
        self.console = console
    }

    /// Prints the prompt and reads the answer.
    public func next(after number: Int, result document: ResultDocument) async -> InteractiveStep {
        let verdict = document.verdict.reasons.isEmpty ? "verdict ok" : "verdict NOT OK (\(document.verdict.reasons.count) reasons)"
        console.progress("test \(number) done, \(verdict). Enter: test again on the same staging; a label, then Enter: test again under that label; q: clean up and exit")
        return Self.step(for: await Self.readLine())
    }

    /// The step an answer asks for.
    public static func step(for line: String?) -> InteractiveStep {
        guard let line else { return .finish }
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if ["q", "quit", "exit"].contains(text.lowercased()) { return .finish }
        return .again(label: text.isEmpty ? nil : text)
    }

    /// One line of standard input, read on a thread of its own: a blocking read must never
    /// hold one of the cooperative pool's threads (two on this machine).
    static func readLine() async -> String? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Swift.readLine(strippingNewline: true)) }
            thread.name = "kloudbuster-prompt"
            thread.start()
        }
    }
}
