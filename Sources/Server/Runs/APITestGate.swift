import Controller
import Synchronization

/// The gate of an interactive run started over the API: after each test it waits for
/// `POST /v1/runs/{id}/tests` (test again, optionally labelled) or `POST /v1/runs/{id}/finish`
/// (clean up and end).
final class APITestGate: RunTestGate {
    private struct State {
        var waiting: CheckedContinuation<InteractiveStep, Never>?
        /// An answer given before the test ended (the next `next` takes it at once).
        var early: InteractiveStep?
    }

    private let state = Mutex(State())

    func next(after number: Int, result document: ResultDocument) async -> InteractiveStep {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer: InteractiveStep? = state.withLock { state in
                    if let early = state.early {
                        state.early = nil
                        return early
                    }
                    state.waiting = continuation
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            answer(.finish)
        }
    }

    /// Gives the answer; false when a test is running and an answer is already queued.
    @discardableResult
    func answer(_ step: InteractiveStep) -> Bool {
        let (waiting, accepted): (CheckedContinuation<InteractiveStep, Never>?, Bool) = state.withLock { state in
            if let waiting = state.waiting {
                state.waiting = nil
                return (waiting, true)
            }
            guard state.early == nil else { return (nil, false) }
            state.early = step
            return (nil, true)
        }
        waiting?.resume(returning: step)
        return accepted
    }
}
