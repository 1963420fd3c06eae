import Controller
import Foundation
import Synchronization

/// One run's events as the event stream sends them: numbered from 1, kept for the server's
/// lifetime, so that a client that reconnects with `Last-Event-ID: N` gets exactly the events
/// after N (no gap, no duplicate), then the live ones.
final class RunEventLog: Sendable {
    /// One event of the stream.
    struct Event: Sendable, Equatable {
        /// Its number, from 1.
        let id: Int
        /// The SSE event name: `progress`, `agent_joined`, `agent_lost`, `interval`,
        /// `test_finished`, `finished`.
        let name: String
        /// Its JSON.
        let data: String
    }

    private struct State {
        var events: [Event] = []
        var finished = false
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state = Mutex(State())

    /// Appends an event (numbered here) and hands it to every subscriber.
    func append(name: String, data: String) {
        state.withLock { state in
            guard !state.finished else { return }
            let event = Event(id: state.events.count + 1, name: name, data: data)
            state.events.append(event)
            for continuation in state.subscribers.values { continuation.yield(event) }
        }
    }

    /// Appends `event` as the stream's JSON.
    func append(_ event: RunEvent) {
        let (name, object) = Self.encode(event)
        append(name: name, data: Self.json(object))
        if case .finished = event { finish() }
    }

    /// No event follows: subscribers' streams end after what they have.
    func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        // Outside the lock: finishing a stream runs its onTermination, which takes the lock.
        for continuation in subscribers { continuation.finish() }
    }

    /// The events after `lastID`, then live ones until the run ends.
    func subscribe(after lastID: Int) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        state.withLock { state in
            // Under the lock: no event can slip between the replay and the subscription.
            for event in state.events where event.id > lastID { continuation.yield(event) }
            if state.finished {
                continuation.finish()
                return
            }
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
            }
        }
        return stream
    }

    /// Every event so far.
    var events: [Event] { state.withLock { $0.events } }

    /// Whether the run has ended.
    var isFinished: Bool { state.withLock { $0.finished } }

    static func encode(_ event: RunEvent) -> (String, Any) {
        switch event {
        case .progress(let text):
            return ("progress", ["text": text])
        case .agentJoined(let agentID, let joined, let total):
            return ("agent_joined", ["agent": agentID, "joined": joined, "total": total])
        case .agentLost(let agentID, let reason):
            return ("agent_lost", ["agent": agentID, "reason": reason])
        case .interval(let summary):
            let data = (try? JSONEncoder().encode(summary)) ?? Data()
            return ("interval", (try? JSONSerialization.jsonObject(with: data)) ?? [:])
        case .testFinished(let test, let status, let verdict):
            return ("test_finished", ["test": test, "status": status, "verdict": verdict.reasons.isEmpty ? "ok" : verdict.reasons as Any])
        case .finished(let status, let verdict):
            return ("finished", ["status": status, "verdict": verdict.reasons.isEmpty ? "ok" : verdict.reasons as Any])
        }
    }

    static func json(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
