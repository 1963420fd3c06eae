/// When to send Hellos (docs/run-protocol.md "Joining"): every `helloInterval` until the first
/// Welcome, then `confirmations` more, `confirmationInterval` apart, so that the offset comes
/// from the exchange with the smallest round trip; give up after `giveUpAfter` without a Welcome.
///
/// A value-type state machine over an injected clock: the daemon asks `next(now:)` and does
/// what it says, so the cadence is tested without sockets or sleeps.
public struct JoinSchedule: Sendable {
    /// What the owner does now.
    public enum Action: Equatable, Sendable {
        /// Send a Hello stamped now, then ask again.
        case sendHello
        /// Nothing to do before this instant.
        case wait(until: ContinuousClock.Instant)
        /// The join is over: welcomed, and the confirming Hellos are out and answered (or late).
        case joined
        /// No Welcome within `giveUpAfter`.
        case giveUp
    }

    private enum Phase {
        case waiting(nextHello: ContinuousClock.Instant)
        case confirming(remaining: Int, nextHello: ContinuousClock.Instant)
        case joined
    }

    /// Hello period before the first Welcome.
    public let helloInterval: Duration
    /// Extra Hellos after the first Welcome.
    public let confirmations: Int
    /// Their spacing.
    public let confirmationInterval: Duration
    private let giveUpAt: ContinuousClock.Instant
    private var phase: Phase

    /// A schedule starting at `start`, whose first action is `.sendHello`.
    public init(
        start: ContinuousClock.Instant, helloInterval: Duration = .milliseconds(500), confirmations: Int = 3,
        confirmationInterval: Duration = .milliseconds(100), giveUpAfter: Duration = .seconds(60)
    ) {
        self.helloInterval = helloInterval
        self.confirmations = confirmations
        self.confirmationInterval = confirmationInterval
        self.giveUpAt = start.advanced(by: giveUpAfter)
        self.phase = .waiting(nextHello: start)
    }

    /// Whether a Welcome has arrived.
    public var isWelcomed: Bool {
        if case .waiting = phase { return false }
        return true
    }

    /// A Welcome arrived at `now`. Later ones change nothing here (the offset estimator keeps
    /// the best of all of them).
    public mutating func welcomed(now: ContinuousClock.Instant) {
        guard case .waiting = phase else { return }
        phase = .confirming(remaining: confirmations, nextHello: now.advanced(by: confirmationInterval))
    }

    /// What to do at `now`.
    public mutating func next(now: ContinuousClock.Instant) -> Action {
        switch phase {
        case .waiting(let nextHello):
            if now >= giveUpAt { return .giveUp }
            guard now >= nextHello else { return .wait(until: min(nextHello, giveUpAt)) }
            // Fixed on the first Hello's time, so a late wake-up does not stretch the cadence.
            var following = nextHello.advanced(by: helloInterval)
            if following <= now { following = now.advanced(by: helloInterval) }
            phase = .waiting(nextHello: following)
            return .sendHello
        case .confirming(let remaining, let nextHello):
            guard now >= nextHello else { return .wait(until: nextHello) }
            guard remaining > 0 else {
                phase = .joined
                return .joined
            }
            phase = .confirming(remaining: remaining - 1, nextHello: now.advanced(by: confirmationInterval))
            return .sendHello
        case .joined:
            return .joined
        }
    }
}
