import Testing

@testable import Proto

@Suite("ZeroMQ link: CURVE and ZAP admission")
struct LinkSecurityTests {
    @Test("an agent whose key was not admitted cannot deliver a frame; an admitted one can")
    func rogueCannotSend() async throws {
        let fixture = try LinkFixture()
        let (good, _, _) = try fixture.agent("good")
        let (rogue, _, _) = try fixture.agent("rogue", admitted: false)
        try rogue.send(Array("let me in".utf8))
        try good.send(Array("report".utf8))

        #expect(await fixture.inbox.first { $0.payload == Array("report".utf8) } != nil)
        #expect(await eventually { fixture.controller.counters.rejectedConnections > 0 })
        try await Task.sleep(for: .seconds(1))
        #expect(!fixture.inbox.items.contains { $0.identity == Array("rogue".utf8) })
        #expect(fixture.inbox.items.count == 1)
        good.close()
        rogue.close()
        fixture.controller.close()
    }

    @Test("an agent whose key was not admitted receives no published frame")
    func rogueCannotSubscribe() async throws {
        let fixture = try LinkFixture()
        let (good, goodInbox, _) = try fixture.agent("good")
        let (rogue, rogueInbox, _) = try fixture.agent("rogue", admitted: false)
        let payload = Array("command".utf8)
        #expect(try await fixture.publishUntilReceived(topic: "all", payload: payload, by: goodInbox) != nil)
        // Keep publishing for a second: a rogue that got in would have joined by then.
        for _ in 0..<10 {
            try fixture.controller.publish(topic: "all", payload: payload)
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(rogueInbox.items.isEmpty)
        #expect(fixture.controller.counters.rejectedConnections > 0)
        good.close()
        rogue.close()
        fixture.controller.close()
    }

    @Test("an agent that trusts the wrong server key never talks to the controller")
    func wrongServerKey() async throws {
        let fixture = try LinkFixture()
        let keys = try CurveKeyPair.generate()
        try fixture.controller.admit(publicKey: keys.publicKey)
        let impostorServer = try CurveKeyPair.generate()
        let agent = try AgentLink(
            pubEndpoint: fixture.controller.pubEndpoint, routerEndpoint: fixture.controller.routerEndpoint,
            serverPublicKey: impostorServer.publicKey, clientKeys: keys, identity: [7], topics: ["all"])
        try agent.send([1, 2, 3])
        try await Task.sleep(for: .seconds(1))
        #expect(fixture.inbox.items.isEmpty)
        agent.close()
        fixture.controller.close()
    }

    @Test("a revoked key is refused at its next handshake")
    func revokedKey() async throws {
        let fixture = try LinkFixture()
        let keys = try CurveKeyPair.generate()
        try fixture.controller.admit(publicKey: keys.publicKey)
        fixture.controller.revoke(publicKey: keys.publicKey)
        let agent = try AgentLink(
            pubEndpoint: fixture.controller.pubEndpoint, routerEndpoint: fixture.controller.routerEndpoint,
            serverPublicKey: fixture.serverKeys.publicKey, clientKeys: keys, identity: [7], topics: ["all"])
        try agent.send([1])
        #expect(await eventually { fixture.controller.counters.rejectedConnections > 0 })
        #expect(fixture.inbox.items.isEmpty)
        agent.close()
        fixture.controller.close()
    }

    @Test("admit rejects text that is not a Z85 public key")
    func admitValidates() throws {
        let fixture = try LinkFixture()
        #expect(throws: LinkError.self) { try fixture.controller.admit(publicKey: "too short") }
        #expect(throws: LinkError.self) {
            try fixture.controller.admit(publicKey: String(repeating: "~", count: CurveKeyPair.keyLength))
        }
        fixture.controller.close()
    }
}
