import Proto
import Testing

@Suite struct CommandDeliveryTests {
    let t0 = ContinuousClock.now
    let agents: Set<String> = ["a1", "a2", "a3"]
    let stop = Kb_V1_Command.make(topic: "all", kind: .stop(.init()))

    func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        t0 + .milliseconds(milliseconds)
    }

    /// The commands of the `.send` actions, as (topic, seq) pairs.
    func sends(_ actions: [CommandDelivery.Action]) -> [(String, UInt64)] {
        actions.compactMap { action in
            if case .send(let command) = action { return (command.topic, command.commandSeq) }
            return nil
        }
    }

    @Test func publishNumbersCommandsAndSendsAtOnce() {
        var delivery = CommandDelivery()
        let first = delivery.publish(stop, to: agents, now: t0)
        let second = delivery.publish(stop, to: agents, now: t0)
        #expect(first.commandSeq == 1)
        #expect(second.commandSeq == 2)
        #expect(sends(first.actions).map(\.0) == ["all"])
        #expect(sends(first.actions).map(\.1) == [1])
        #expect(delivery.outstandingCommandSeqs == [1, 2])
        #expect(delivery.pendingAgents(commandSeq: 1) == agents)
        #expect(delivery.command(commandSeq: 2)?.commandSeq == 2)
    }

    @Test func anUnacknowledgedCommandIsResentAfterTheInterval() {
        var delivery = CommandDelivery()
        _ = delivery.publish(stop, to: agents, now: t0)
        #expect(delivery.tick(now: at(499)).isEmpty)
        #expect(sends(delivery.tick(now: at(500))).map(\.0) == ["all"])
        // Already re-sent for this round.
        #expect(delivery.tick(now: at(501)).isEmpty)
    }

    @Test func backoffGrowsUpToTheCap() {
        var delivery = CommandDelivery(policy: .init(
            initialInterval: .milliseconds(500), maximumInterval: .seconds(4), backoffFactor: 2, giveUpAfter: .seconds(60)))
        _ = delivery.publish(stop, to: agents, now: t0)
        var resendTimes: [Int] = []
        for ms in stride(from: 0, through: 20_000, by: 100) where !delivery.tick(now: at(ms)).isEmpty {
            resendTimes.append(ms)
        }
        // Intervals 0.5, 1, 2, 4, then capped at 4 s.
        #expect(resendTimes == [500, 1500, 3500, 7500, 11_500, 15_500, 19_500])
        #expect(delivery.nextDeadline == at(23_500))
    }

    @Test func acknowledgementFromEveryTargetStopsResends() {
        var delivery = CommandDelivery()
        let seq = delivery.publish(stop, to: agents, now: t0).commandSeq
        #expect(delivery.acknowledge(agent: "a1", commandSeq: seq).isEmpty)
        #expect(delivery.acknowledge(agent: "a2", commandSeq: seq).isEmpty)
        #expect(delivery.acknowledge(agent: "a3", commandSeq: seq) == [.delivered(commandSeq: seq)])
        #expect(delivery.outstandingCommandSeqs.isEmpty)
        #expect(delivery.nextDeadline == nil)
        #expect(delivery.tick(now: at(60_000)).isEmpty)
    }

    @Test func strayAcknowledgementsAreIgnored() {
        var delivery = CommandDelivery()
        let seq = delivery.publish(stop, to: ["a1", "a2"], now: t0).commandSeq
        #expect(delivery.acknowledge(agent: "a1", commandSeq: seq).isEmpty)
        #expect(delivery.acknowledge(agent: "a1", commandSeq: seq).isEmpty, "duplicate ack")
        #expect(delivery.acknowledge(agent: "intruder", commandSeq: seq).isEmpty, "not a target")
        #expect(delivery.acknowledge(agent: "a2", commandSeq: 99).isEmpty, "unknown command")
        #expect(delivery.pendingAgents(commandSeq: seq) == ["a2"])
    }

    @Test func giveUpReportsExactlyTheSilentAgents() {
        var delivery = CommandDelivery(policy: .init(giveUpAfter: .seconds(10)))
        let seq = delivery.publish(stop, to: agents, now: t0).commandSeq
        _ = delivery.acknowledge(agent: "a2", commandSeq: seq)
        var reports: [CommandDelivery.Action] = []
        for ms in stride(from: 0, through: 12_000, by: 250) {
            reports += delivery.tick(now: at(ms)).filter {
                if case .unacknowledged = $0 { return true }
                return false
            }
        }
        #expect(reports == [.unacknowledged(commandSeq: seq, agents: ["a1", "a3"])])
        #expect(delivery.outstandingCommandSeqs.isEmpty)
        // A late ack after giving up changes nothing.
        #expect(delivery.acknowledge(agent: "a1", commandSeq: seq).isEmpty)
    }

    @Test func fewMissingAgentsAreResentOnTheirOwnTopics() {
        var delivery = CommandDelivery(policy: .init(targetedResendLimit: 2))
        let seq = delivery.publish(stop, to: agents, now: t0).commandSeq
        // Nobody answered yet: the original topic reaches all three at once.
        #expect(sends(delivery.tick(now: at(500))).map(\.0) == ["all"])
        _ = delivery.acknowledge(agent: "a2", commandSeq: seq)
        let resent = sends(delivery.tick(now: at(1500)))
        #expect(resent.map(\.0) == ["a1", "a3"])
        #expect(resent.map(\.1) == [seq, seq], "re-sends keep the command seq so agents deduplicate")
    }

    @Test func manyMissingAgentsAreResentOnTheOriginalTopic() {
        var delivery = CommandDelivery(policy: .init(targetedResendLimit: 1))
        let seq = delivery.publish(stop, to: agents, now: t0).commandSeq
        _ = delivery.acknowledge(agent: "a2", commandSeq: seq)
        #expect(sends(delivery.tick(now: at(500))).map(\.0) == ["all"])
    }

    @Test func forgettingALostAgentCompletesWhatOnlyItWasMissing() {
        var delivery = CommandDelivery()
        let first = delivery.publish(stop, to: ["a1", "a2"], now: t0).commandSeq
        let second = delivery.publish(stop, to: ["a1", "a2"], now: t0).commandSeq
        _ = delivery.acknowledge(agent: "a1", commandSeq: first)
        #expect(delivery.forget(agent: "a2") == [.delivered(commandSeq: first)])
        #expect(delivery.pendingAgents(commandSeq: second) == ["a1"])
        #expect(delivery.forget(agent: "a1") == [.delivered(commandSeq: second)])
        #expect(delivery.forget(agent: "a1").isEmpty)
    }

    @Test func aCommandForNobodyIsDeliveredAtOnce() {
        var delivery = CommandDelivery()
        let (seq, actions) = delivery.publish(stop, to: [], now: t0)
        #expect(sends(actions).count == 1)
        #expect(actions.last == .delivered(commandSeq: seq))
        #expect(delivery.outstandingCommandSeqs.isEmpty)
    }

    @Test func nextDeadlineIsTheEarliestResendOrGiveUp() {
        var delivery = CommandDelivery(policy: .init(initialInterval: .seconds(2), maximumInterval: .seconds(2), giveUpAfter: .seconds(1)))
        #expect(delivery.nextDeadline == nil)
        _ = delivery.publish(stop, to: agents, now: t0)
        #expect(delivery.nextDeadline == at(1000))
    }
}
