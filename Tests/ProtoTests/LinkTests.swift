import Testing

@testable import Proto

@Suite("ZeroMQ link: controller and agents over tcp://127.0.0.1")
struct LinkTests {
    @Test("frames from two agents arrive with each agent's routing identity and CURVE public key")
    func agentFramesCarryIdentityAndKey() async throws {
        let fixture = try LinkFixture()
        let (one, _, oneKeys) = try fixture.agent("agent-1")
        let (two, _, twoKeys) = try fixture.agent("agent-2")
        try one.send(Array("from one".utf8))
        try two.send(Array("from two".utf8))

        let fromOne = await fixture.inbox.first { $0.payload == Array("from one".utf8) }
        let fromTwo = await fixture.inbox.first { $0.payload == Array("from two".utf8) }
        #expect(fromOne?.identity == Array("agent-1".utf8))
        #expect(fromOne?.publicKey == oneKeys.publicKey)
        #expect(fromTwo?.identity == Array("agent-2".utf8))
        #expect(fromTwo?.publicKey == twoKeys.publicKey)
        #expect(fixture.controller.counters.acceptedConnections >= 2)
        one.close()
        two.close()
        fixture.controller.close()
    }

    @Test("a publish reaches agents subscribed to its topic (all, a role, an agent id) and no others")
    func publishByTopic() async throws {
        let fixture = try LinkFixture()
        // "agent-12" starts with "agent-1": libzmq's prefix matching alone would leak to it.
        let (client, clientInbox, _) = try fixture.agent("agent-1", topics: ["all", "http-client", "agent-1"])
        let (server, serverInbox, _) = try fixture.agent("agent-12", topics: ["all", "http-server", "agent-12"])

        let toAll = Array("to all".utf8)
        let clientGot = try await fixture.publishUntilReceived(topic: "all", payload: toAll, by: clientInbox)
        let serverGot = try await fixture.publishUntilReceived(topic: "all", payload: toAll, by: serverInbox)
        #expect(clientGot == .published(topic: "all", payload: toAll))
        #expect(serverGot == .published(topic: "all", payload: toAll))

        // Both SUBs are joined now, so one publish each suffices.
        try fixture.controller.publish(topic: "http-client", payload: Array("role".utf8))
        try fixture.controller.publish(topic: "agent-1", payload: Array("id".utf8))
        try fixture.controller.publish(topic: "agent-12", payload: Array("id 12".utf8))
        let sentinel = Array("sentinel".utf8)
        try fixture.controller.publish(topic: "all", payload: sentinel)

        #expect(await clientInbox.first { $0 == .published(topic: "http-client", payload: Array("role".utf8)) } != nil)
        #expect(await clientInbox.first { $0 == .published(topic: "agent-1", payload: Array("id".utf8)) } != nil)
        #expect(await serverInbox.first { $0 == .published(topic: "agent-12", payload: Array("id 12".utf8)) } != nil)
        // One PUB connection delivers in order: once each agent has the sentinel, anything
        // published before it that it lacks was filtered.
        #expect(await clientInbox.first { $0.payload == sentinel } != nil)
        #expect(await serverInbox.first { $0.payload == sentinel } != nil)
        #expect(!clientInbox.items.contains { $0.topic == "agent-12" })
        #expect(!serverInbox.items.contains { $0.topic == "http-client" || $0.topic == "agent-1" })
        client.close()
        server.close()
        fixture.controller.close()
    }

    @Test("a direct send reaches the agent with that routing identity only")
    func directSend() async throws {
        let fixture = try LinkFixture()
        let (one, oneInbox, _) = try fixture.agent("agent-1")
        let (two, twoInbox, _) = try fixture.agent("agent-2")
        try one.send(Array("hello".utf8))
        try two.send(Array("hello".utf8))
        #expect(await fixture.inbox.wait { $0.count == 2 })

        let sender = try #require(fixture.inbox.items.first { $0.identity == Array("agent-1".utf8) })
        try fixture.controller.send(to: sender.identity, payload: Array("just you".utf8))
        try fixture.controller.send(to: Array("agent-2".utf8), payload: Array("and you".utf8))
        #expect(await oneInbox.first { $0 == .direct(payload: Array("just you".utf8)) } != nil)
        #expect(await twoInbox.first { $0 == .direct(payload: Array("and you".utf8)) } != nil)
        #expect(!twoInbox.items.contains { $0.payload == Array("just you".utf8) })

        // Nobody has this identity: ROUTER_MANDATORY turns the silent drop into a counted one.
        try fixture.controller.send(to: Array("nobody".utf8), payload: [1])
        #expect(await eventually { fixture.controller.counters.outgoingDropped == 1 })
        one.close()
        two.close()
        fixture.controller.close()
    }

    @Test("frames an agent sends before its connection is up are delivered, not lost")
    func framesQueuedBeforeConnection() async throws {
        let fixture = try LinkFixture()
        let keys = try CurveKeyPair.generate()
        try fixture.controller.admit(publicKey: keys.publicKey)
        // The controller's ports are taken by the fixture; a second controller on fixed ports
        // comes up only after the agent has queued its frames.
        let later = try ControllerLink(serverKeys: fixture.serverKeys)
        let pub = later.pubEndpoint, router = later.routerEndpoint, pubPort = later.pubPort, routerPort = later.routerPort
        later.close()
        let agent = try AgentLink(
            pubEndpoint: pub, routerEndpoint: router, serverPublicKey: fixture.serverKeys.publicKey,
            clientKeys: keys, identity: Array("early".utf8), topics: ["all"])
        for index in 0..<3 { try agent.send([UInt8(index)]) }
        try await Task.sleep(for: .milliseconds(300))

        let controller = try ControllerLink(serverKeys: fixture.serverKeys, pubPort: pubPort, routerPort: routerPort)
        try controller.admit(publicKey: keys.publicKey)
        let inbox = LinkInbox(controller.incoming)
        // libzmq redials with back-off (up to 2 s) and keeps the queued frames meanwhile.
        #expect(await inbox.wait(within: .seconds(8)) { $0.count == 3 })
        #expect(inbox.items.map(\.payload) == [[0], [1], [2]])
        #expect(inbox.items.allSatisfy { $0.publicKey == keys.publicKey })
        agent.close()
        controller.close()
        fixture.controller.close()
    }

    @Test("an agent refused once knows it: libzmq 4.3 does not redial, a new link after admission gets through")
    func refusedAgentRecreated() async throws {
        let fixture = try LinkFixture()
        let (refused, _, keys) = try fixture.agent("late", admitted: false)
        try refused.send(Array("early".utf8))
        #expect(await eventually { refused.counters.rejectedConnections > 0 })
        #expect(fixture.controller.counters.rejectedConnections > 0)
        refused.close()

        try fixture.controller.admit(publicKey: keys.publicKey)
        let again = try AgentLink(
            pubEndpoint: fixture.controller.pubEndpoint, routerEndpoint: fixture.controller.routerEndpoint,
            serverPublicKey: fixture.serverKeys.publicKey, clientKeys: keys, identity: Array("late".utf8),
            topics: ["all"])
        try again.send(Array("now".utf8))
        let frame = await fixture.inbox.first { $0.payload == Array("now".utf8) }
        #expect(frame?.publicKey == keys.publicKey)
        #expect(await eventually { again.counters.acceptedConnections == 2 })
        #expect(again.counters.rejectedConnections == 0)
        again.close()
        fixture.controller.close()
    }

    @Test("resolved endpoints are tcp://127.0.0.1 with the bound ports")
    func endpoints() throws {
        let fixture = try LinkFixture()
        let controller = fixture.controller
        #expect(controller.pubEndpoint == "tcp://127.0.0.1:\(controller.pubPort)")
        #expect(controller.routerEndpoint == "tcp://127.0.0.1:\(controller.routerPort)")
        #expect(controller.pubPort > 0 && controller.routerPort > 0 && controller.pubPort != controller.routerPort)
        // A taken port is an error that names the endpoint, not a silent second link.
        #expect {
            try ControllerLink(serverKeys: fixture.serverKeys, pubPort: controller.pubPort)
        } throws: { error in
            (error as? LinkError)?.operation.contains("127.0.0.1:\(controller.pubPort)") == true
        }
        controller.close()
    }
}
