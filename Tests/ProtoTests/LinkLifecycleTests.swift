import Testing

@testable import Proto

@Suite("ZeroMQ link: closing")
struct LinkLifecycleTests {
    @Test("closing an agent with thousands of undeliverable frames queued returns within a second")
    func agentClosePromptWithPendingTraffic() async throws {
        let fixture = try LinkFixture()
        // Not admitted: nothing it queues can leave, so close finds the DEALER full.
        let (agent, inbox, _) = try fixture.agent("stuck", admitted: false)
        let frame = [UInt8](repeating: 7, count: 1_000)
        for _ in 0..<5_000 { try agent.send(frame) }
        try await Task.sleep(for: .milliseconds(200))

        let start = ContinuousClock.now
        agent.close()
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(await eventually { inbox.ended })
        #expect(agent.counters.outgoingDropped > 0)
        fixture.controller.close()
    }

    @Test("closing a controller with publishes in flight and agents connected returns within a second")
    func controllerClosePrompt() async throws {
        let fixture = try LinkFixture()
        let (agent, agentInbox, _) = try fixture.agent("busy")
        _ = try await fixture.publishUntilReceived(topic: "all", payload: [1], by: agentInbox)
        let big = [UInt8](repeating: 3, count: 64 << 10)
        for _ in 0..<2_000 { try fixture.controller.publish(topic: "all", payload: big) }

        let start = ContinuousClock.now
        fixture.controller.close()
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(await eventually { fixture.inbox.ended })
        agent.close()
    }

    @Test("an agent whose controller is not there closes promptly")
    func agentWithoutController() async throws {
        let keys = try CurveKeyPair.generate()
        let server = try CurveKeyPair.generate()
        // Port 9 (discard) on loopback: nothing listens, libzmq keeps redialling.
        let agent = try AgentLink(
            pubEndpoint: "tcp://127.0.0.1:9", routerEndpoint: "tcp://127.0.0.1:9", serverPublicKey: server.publicKey,
            clientKeys: keys, identity: [1], topics: ["all"])
        try agent.send([1, 2, 3])
        let start = ContinuousClock.now
        agent.close()
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test("close is idempotent, ends incoming, and later sends throw closed")
    func closeSemantics() async throws {
        let fixture = try LinkFixture()
        let (agent, inbox, _) = try fixture.agent("done")
        agent.close()
        agent.close()
        fixture.controller.close()
        fixture.controller.close()
        #expect(await eventually { inbox.ended && fixture.inbox.ended })
        #expect { try agent.send([1]) } throws: { ($0 as? LinkError)?.kind == .closed }
        #expect { try fixture.controller.publish(topic: "all", payload: [1]) } throws: { ($0 as? LinkError)?.kind == .closed }
        #expect { try fixture.controller.send(to: [1], payload: [1]) } throws: { ($0 as? LinkError)?.kind == .closed }
        #expect(agent.failure == nil && fixture.controller.failure == nil)
    }

    @Test("a full send queue throws sendQueueFull instead of dropping silently")
    func boundedQueue() throws {
        let keys = try CurveKeyPair.generate()
        let server = try CurveKeyPair.generate()
        let agent = try AgentLink(
            pubEndpoint: "tcp://127.0.0.1:9", routerEndpoint: "tcp://127.0.0.1:9", serverPublicKey: server.publicKey,
            clientKeys: keys, identity: [1], topics: ["all"], sendQueueCapacity: 10)
        // The DEALER takes up to its high-water mark (1,000) itself, then the queue fills.
        var thrown: LinkError?
        for _ in 0..<100_000 {
            do { try agent.send([0]) } catch let error as LinkError {
                thrown = error
                break
            }
        }
        #expect(thrown?.kind == .sendQueueFull)
        agent.close()
    }

    @Test("invalid agent arguments are refused before anything connects")
    func invalidAgentArguments() throws {
        let keys = try CurveKeyPair.generate()
        func make(identity: [UInt8] = [1], topics: [String] = ["all"], server: String? = nil) throws {
            _ = try AgentLink(
                pubEndpoint: "tcp://127.0.0.1:9", routerEndpoint: "tcp://127.0.0.1:9",
                serverPublicKey: server ?? keys.publicKey, clientKeys: keys, identity: identity, topics: topics)
        }
        #expect(throws: LinkError.self) { try make(identity: []) }
        #expect(throws: LinkError.self) { try make(identity: [0, 1]) }
        #expect(throws: LinkError.self) { try make(identity: [UInt8](repeating: 1, count: 256)) }
        #expect(throws: LinkError.self) { try make(topics: []) }
        #expect(throws: LinkError.self) { try make(topics: ["all", ""]) }
        #expect(throws: LinkError.self) { try make(server: "not a key") }
    }
}
