@testable import Controller
import Proto
import Synchronization

/// A relay for `RunFakeAgent` clients, inside the test process: it collects every member's
/// report of an interval, merges them with the relay agents' real `RelayedIntervalBuilder`, and
/// sends the one `RelayedInterval` over its sender's real `AgentLink`, so the controller's side
/// of relaying is tested before the relay's transport exists.
final class RunFakeRelay: Sendable {
    let members: Int
    /// Sends every relayed interval twice, as a relay re-sending after a lost link would.
    let twice: Bool
    private let pending = Mutex<[UInt64: RelayedIntervalBuilder]>([:])
    private let sender = Mutex<RunFakeAgent?>(nil)
    /// Relayed intervals sent.
    let sent = Mutex(0)

    /// A relay that forwards an interval once `members` reports of it arrived.
    init(members: Int, twice: Bool = false) {
        self.members = members
        self.twice = twice
    }

    func setSender(_ agent: RunFakeAgent) { sender.withLock { $0 = agent } }

    func deliver(_ report: Kb_V1_IntervalReport, from agentID: String) {
        let key = UInt64(report.stage) << 32 | report.index
        let ready: Kb_V1_RelayedInterval? = pending.withLock { builders in
            var builder = builders.removeValue(forKey: key) ?? RelayedIntervalBuilder(stage: report.stage, index: report.index)
            builder.add(report, from: agentID)
            guard builder.memberCount == members else {
                builders[key] = builder
                return nil
            }
            return builder.build()
        }
        guard let ready, let agent = sender.withLock({ $0 }) else { return }
        agent.send(.relayedInterval(ready))
        if twice { agent.send(.relayedInterval(ready)) }
        sent.withLock { $0 += 1 }
    }
}

extension RunSettings {
    /// Settings for runs of `RunFakeAgent`s: 500 ms intervals, short leads, waits and grace.
    static func forFakeAgents(_ configuration: Configuration) -> RunSettings {
        var settings = RunSettings(configuration: configuration)
        settings.reportInterval = .milliseconds(500)
        settings.silenceLimit = .milliseconds(1_500)
        settings.startLead = .milliseconds(500)
        settings.finalGrace = .milliseconds(1_500)
        settings.joinTimeout = .seconds(15)
        settings.prepareTimeout = .seconds(10)
        settings.abortWait = .milliseconds(500)
        return settings
    }
}
