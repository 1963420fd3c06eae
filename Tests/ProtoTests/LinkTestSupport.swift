import Synchronization
import Testing

@testable import Proto

/// Collects everything a stream yields on a background task, so tests can wait for a frame
/// with a deadline instead of blocking on `next()`.
final class LinkInbox<Element: Sendable>: Sendable {
    private final class Store: Sendable {
        let items = Mutex<[Element]>([])
        let ended = Mutex(false)
    }

    private let store = Store()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<Element>) {
        let store = store
        task = Task {
            for await item in stream { store.items.withLock { $0.append(item) } }
            store.ended.withLock { $0 = true }
        }
    }

    deinit { task.cancel() }

    /// Everything received so far.
    var items: [Element] { store.items.withLock { $0 } }

    /// Whether the stream has finished.
    var ended: Bool { store.ended.withLock { $0 } }

    /// The first received item matching `predicate`, waiting up to `timeout`.
    func first(within timeout: Duration = .seconds(15), where predicate: (Element) -> Bool) async -> Element? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let item = items.first(where: predicate) { return item }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits up to `timeout` until `condition` holds for the items; returns whether it did.
    func wait(within timeout: Duration = .seconds(10), until condition: ([Element]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if condition(items) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// A controller on 127.0.0.1 with kernel-picked ports, and a way to make agents for it.
struct LinkFixture {
    let serverKeys: CurveKeyPair
    let controller: ControllerLink
    let inbox: LinkInbox<IncomingFrame>

    init() throws {
        serverKeys = try CurveKeyPair.generate()
        controller = try ControllerLink(serverKeys: serverKeys)
        inbox = LinkInbox(controller.incoming)
    }

    /// An agent with a fresh key pair, admitted unless `admitted` is false.
    func agent(_ id: String, topics: [String]? = nil, admitted: Bool = true) throws -> (AgentLink, LinkInbox<AgentFrame>, CurveKeyPair) {
        let keys = try CurveKeyPair.generate()
        if admitted { try controller.admit(publicKey: keys.publicKey) }
        let agent = try AgentLink(
            pubEndpoint: controller.pubEndpoint, routerEndpoint: controller.routerEndpoint,
            serverPublicKey: serverKeys.publicKey, clientKeys: keys, identity: Array(id.utf8),
            topics: topics ?? ["all", id])
        return (agent, LinkInbox(agent.incoming), keys)
    }

    /// Publishes until `inbox` has a frame with `payload` (the SUB joins a moment after it
    /// connects: ZeroMQ's slow joiner), giving up after `timeout`.
    func publishUntilReceived(
        topic: String, payload: [UInt8], by inbox: LinkInbox<AgentFrame>, within timeout: Duration = .seconds(20)
    ) async throws -> AgentFrame? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try controller.publish(topic: topic, payload: payload)
            if let frame = await inbox.first(within: .milliseconds(100), where: { $0.payload == payload }) { return frame }
        }
        return nil
    }
}

/// Deterministic bytes for payload tests.
struct LinkRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        // SplitMix64.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
