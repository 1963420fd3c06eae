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
            let document = testDocument()
            let files = writeTestResults(document)
            console.summary(document, files: files, final: false)
            guard case .again(let label) = await ask(gate, document) else { return }
            startNextTest(label: label)
        }
    }

    /// The result of the test that just ended (its stages, intervals and agents only).
    func testDocument() -> ResultDocument {
        let record = try? ledger.run(id: runID)
        return ResultDocument(
            runID: runID, cloud: record?.cloud ?? ProcessResource.cloud, label: testLabel ?? outputs.label, startedAt: testStartedAt,
            status: stages.last?.stopReason != nil ? "stopped" : "done", detail: stages.last?.stopReason, stages: stages,
            intervals: intervals, agents: agentSummaries(), runReasons: runReasons(status: "done", failure: nil),
            config: record?.configYAML ?? configuration.effectiveYAML(), test: testNumber)
    }

    /// Writes test N's result.json, result.hlog and report.html into `<run folder>/test-N/`.
    func writeTestResults(_ document: ResultDocument) -> [String] {
        guard let folder = try? ledger.store.runDirectory(for: runID).appendingPathComponent("test-\(testNumber)") else { return [] }
        var files: [String] = []
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let json = try document.jsonText()
            for (name, text) in [("result.json", json), ("result.hlog", hlog.text), ("report.html", HTMLReport(document).render())] {
                let path = folder.appendingPathComponent(name).path
                try FileProblem.write(text, to: path)
                files.append(path)
            }
        } catch {
            console.progress("could not write test \(testNumber)'s results: \(error)")
        }
        return files
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
