import Controller
import Foundation
@testable import Server
import Testing

/// The gate between an interactive REST run and `POST /v1/runs/{id}/tests|finish`: one answer
/// per test, given while the run waits or queued while a test still runs; a second queued
/// answer is refused (the route's 409 `busy`).
@Suite("APITestGate: one answer per test")
struct APITestGateTests {
    let document = ResultDocument(
        runID: "kb-20261203-1200-ab12", cloud: "local", label: nil, startedAt: Date(), status: "done", detail: nil,
        stages: [], intervals: [], agents: [])

    @Test("an answer queued during a test is taken at its end; a second one is refused until then")
    func queued() async {
        let gate = APITestGate()
        #expect(gate.answer(.again(label: "warm")))
        #expect(!gate.answer(.finish), "a second answer for the same test was accepted")
        #expect(await gate.next(after: 1, result: document) == .again(label: "warm"))
        #expect(gate.answer(.finish), "the next test's answer was refused")
        #expect(await gate.next(after: 2, result: document) == .finish)
    }

    @Test("an answer given while the run waits resumes it; cancelling the wait finishes")
    func waiting() async throws {
        let gate = APITestGate(), document = document
        let waiting = Task { await gate.next(after: 1, result: document) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(gate.answer(.again(label: nil)))
        #expect(await waiting.value == .again(label: nil))
        let cancelled = Task { await gate.next(after: 2, result: document) }
        cancelled.cancel()
        #expect(await cancelled.value == .finish)
    }
}
