import Testing

@testable import Proto

@Suite("ZeroMQ link: payloads pass through byte for byte")
struct LinkPayloadTests {
    /// Empty, tiny, zero-filled, random and 1 MiB payloads: the link must never parse or trim.
    private static func payloads() -> [[UInt8]] {
        var random = LinkRandom(state: 42)
        return [[], [0], [0xFF], [UInt8](repeating: 0, count: 100), random.bytes(1_000), random.bytes(65_537), random.bytes(1 << 20)]
    }

    @Test("agent to controller")
    func agentToController() async throws {
        let fixture = try LinkFixture()
        let (agent, _, _) = try fixture.agent("bytes")
        let payloads = Self.payloads()
        for payload in payloads { try agent.send(payload) }
        #expect(await fixture.inbox.wait { $0.count == payloads.count })
        #expect(fixture.inbox.items.map(\.payload) == payloads)
        agent.close()
        fixture.controller.close()
    }

    @Test("controller to agent, direct and published")
    func controllerToAgent() async throws {
        let fixture = try LinkFixture()
        let (agent, inbox, _) = try fixture.agent("bytes")
        try agent.send([])
        let hello = try #require(await fixture.inbox.first { $0.payload.isEmpty })
        _ = try #require(try await fixture.publishUntilReceived(topic: "bytes", payload: [9, 9], by: inbox))

        let payloads = Self.payloads()
        for payload in payloads {
            try fixture.controller.send(to: hello.identity, payload: payload)
            try fixture.controller.publish(topic: "all", payload: payload)
        }
        #expect(await inbox.wait { $0.count == 1 + 2 * payloads.count })
        let received = inbox.items.dropFirst()
        #expect(received.compactMap { $0.topic == nil ? $0.payload : nil } == payloads)
        #expect(received.compactMap { $0.topic == "all" ? $0.payload : nil } == payloads)
        agent.close()
        fixture.controller.close()
    }
}
