import Foundation
import Synchronization

// Interactive runs: several tests on one staging, each with its own result, then one cleanup.
extension RunCoordinator {
    /// Runs tests until the gate says finish (or there is no gate: one test).
    func runTests() async throws {
        while true {
            try await runStages()
            guard let gate else { return }
            // Between tests the agents are prepared and idle, as before the first.
            state = .preparing
            // nginx's count must be final before the test's verdict compares it.
            await awaitServerCounts()
            // An interrupt makes runStages throw: a test that gets here completed.
            let document = resultDocument(status: endStatus(failure: nil), failure: nil)
            let files = writeResults(document, test: testNumber)
            console.summary(document, files: files, final: false)
            guard case .again(let label) = await ask(gate, document) else { return }
            startNextTest(label: label)
        }
    }

    /// Waits for the gate's answer, or for an interrupt (then: finish).
    private func ask(_ gate: any RunTestGate, _ document: ResultDocument) async -> InteractiveStep {
        let answer = Mutex<InteractiveStep?>(nil)
        let number = testNumber
        let asking = Task {
            let step = await gate.next(after: number, result: document)
            answer.withLock { $0 = step }
        }
        while true {
            if let step = answer.withLock({ $0 }) { return step }
            if interruptReason != nil {
                asking.cancel()
                return .finish
            }
            try? await Task.sleep(for: .milliseconds(50))
            guard state == .preparing else { fatalError("RunCoordinator.ask: state changed to \(state) between tests") }
        }
    }

    /// Clears what belongs to one test and numbers the next test's stages on.
    private func startNextTest(label: String?) {
        testNumber += 1
        testLabel = label
        testStartedAt = Date()
        let last = stages.last?.stage ?? plan.stages.last?.number ?? 0
        plan = plan.continuing(after: last)
        stages = []
        intervals = []
        hlog = IntervalLog(runID: runID)
        agentTotals = [:]
        // nginx counts since it started: the next test's servers served what they serve from here.
        serverBaseline = serverRequests.mapValues(\.requests)
        console.progress("test \(testNumber)\(label.map { " (\($0))" } ?? ""): same \(topology.agents.count) agents, stages from \(last + 1)")
    }
}
