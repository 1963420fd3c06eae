import Proto
import Testing

@Suite struct CommandReceiverTests {
    func command(_ seq: UInt64, topic: String = "all") -> Kb_V1_Command {
        .make(topic: topic, kind: .abort(.init()), commandSeq: seq)
    }

    @Test func theFirstCopyIsExecutedAndLaterCopiesAreDuplicates() {
        var receiver = CommandReceiver(agentID: "kb-c-1", role: .httpClient)
        #expect(receiver.receive(command(1)) == .execute)
        #expect(receiver.receive(command(1)) == .duplicate(previousAck: nil), "still being handled: no Ack yet")
        let ack = Kb_V1_Ack.make(commandSeq: 1, error: "Prepare: threads must be >= 1")
        receiver.record(ack)
        #expect(receiver.receive(command(1)) == .duplicate(previousAck: ack))
        #expect(receiver.receive(command(1, topic: "kb-c-1")) == .duplicate(previousAck: ack),
                "a targeted re-send is the same command")
        #expect(receiver.hasReceived(commandSeq: 1))
        #expect(!receiver.hasReceived(commandSeq: 2))
    }

    @Test func aLostCommandResentAfterANewerOneIsStillExecuted() {
        var receiver = CommandReceiver(agentID: "kb-c-1", role: .httpClient)
        #expect(receiver.receive(command(6)) == .execute)
        #expect(receiver.receive(command(5)) == .execute)
        #expect(receiver.receive(command(6)) == .duplicate(previousAck: nil))
    }

    @Test func topicsMustMatchExactly() {
        var receiver = CommandReceiver(agentID: "kb-c-1", role: .httpClient)
        #expect(receiver.receive(command(1, topic: "all")) == .execute)
        #expect(receiver.receive(command(2, topic: "http-client")) == .execute)
        #expect(receiver.receive(command(3, topic: "kb-c-1")) == .execute)
        // SUB's prefix filter delivers these too.
        #expect(receiver.receive(command(4, topic: "kb-c-12")) == .notAddressed)
        #expect(receiver.receive(command(5, topic: "http-server")) == .notAddressed)
        #expect(receiver.receive(command(6, topic: "all-servers")) == .notAddressed)
        #expect(!receiver.hasReceived(commandSeq: 4), "an ignored command may still come addressed to us")
    }

    @Test func deliveryAndReceiverTogetherExecuteOnceDespiteLoss() {
        // PUB drops the first copy for a2 (slow joiner) and a1's first Ack is lost.
        let t0 = ContinuousClock.now
        var delivery = CommandDelivery()
        var receivers = ["a1", "a2"].map { CommandReceiver(agentID: $0, role: .httpServer) }
        var executions = [0, 0]
        let (seq, first) = delivery.publish(.make(topic: "all", kind: .stop(.init())), to: ["a1", "a2"], now: t0)
        guard case .send(let original) = first.first else {
            Issue.record("publish did not send")
            return
        }
        if receivers[0].receive(original) == .execute { executions[0] += 1 }
        receivers[0].record(.make(commandSeq: seq))

        for case .send(let copy) in delivery.tick(now: t0 + .milliseconds(500)) {
            for index in receivers.indices {
                switch receivers[index].receive(copy) {
                case .execute:
                    executions[index] += 1
                    receivers[index].record(.make(commandSeq: copy.commandSeq))
                    _ = delivery.acknowledge(agent: receivers[index].agentID, commandSeq: copy.commandSeq)
                case .duplicate(let ack?):
                    _ = delivery.acknowledge(agent: receivers[index].agentID, commandSeq: ack.commandSeq)
                case .duplicate(nil), .notAddressed:
                    break
                }
            }
        }
        #expect(executions == [1, 1])
        #expect(delivery.outstandingCommandSeqs.isEmpty)
    }
}
