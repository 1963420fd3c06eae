/// One NTP-style measurement of how far the controller's wall clock is ahead of an agent's, from
/// a Hello/Welcome exchange (DESIGN.md §3 "Join"). Agents on different hosts disagree on the time
/// by milliseconds or more, and a common start instant (`Start.start_unix_ns`) and comparable
/// report timestamps need that difference.
///
/// With t0 = agent sends Hello (agent clock), t1 = controller receives it, t2 = controller sends
/// Welcome (both controller clock), t3 = agent receives it (agent clock):
/// offset = ((t1 - t0) + (t2 - t3)) / 2 and delay = (t3 - t0) - (t2 - t1).
/// The offset is exact when both directions take equally long; its error is at most delay / 2.
public struct ClockOffset: Sendable, Equatable {
    /// Controller clock minus agent clock, in ns: add it to an agent time to get controller time.
    public let offsetNanoseconds: Int64
    /// Network round trip, excluding the controller's processing time, in ns (>= 0).
    public let roundTripNanoseconds: Int64

    /// The offset and delay of one exchange; nil when the timestamps cannot come from one
    /// exchange (a clock stepped backwards during it, or values so far apart they overflow), as
    /// such a sample would only mislead.
    ///
    /// - Parameters:
    ///   - agentSendUnixNs: t0, agent clock.
    ///   - controllerReceiveUnixNs: t1, controller clock.
    ///   - controllerSendUnixNs: t2, controller clock.
    ///   - agentReceiveUnixNs: t3, agent clock.
    public init?(
        agentSendUnixNs t0: Int64, controllerReceiveUnixNs t1: Int64,
        controllerSendUnixNs t2: Int64, agentReceiveUnixNs t3: Int64
    ) {
        guard t3 >= t0, t2 >= t1 else { return nil }
        let agentElapsed = t3.subtractingReportingOverflow(t0)
        let controllerElapsed = t2.subtractingReportingOverflow(t1)
        let outbound = t1.subtractingReportingOverflow(t0)
        let inbound = t2.subtractingReportingOverflow(t3)
        guard !agentElapsed.overflow, !controllerElapsed.overflow, !outbound.overflow, !inbound.overflow else {
            return nil
        }
        let delay = agentElapsed.partialValue - controllerElapsed.partialValue
        // The controller cannot spend longer on the Welcome than the whole round trip took; if it
        // seems to, one of the clocks jumped.
        guard delay >= 0 else { return nil }
        // Halve before adding so the sum cannot overflow; the lost half-nanoseconds do not matter.
        let offset = outbound.partialValue / 2 + inbound.partialValue / 2
            + (outbound.partialValue % 2 + inbound.partialValue % 2) / 2
        self.offsetNanoseconds = offset
        self.roundTripNanoseconds = delay
    }

    /// The offset measured by a Welcome (which carries t0, t1, t2) received at `agentReceiveUnixNs`.
    public init?(welcome: Kb_V1_Welcome, agentReceiveUnixNs: Int64) {
        self.init(
            agentSendUnixNs: welcome.helloUnixNs, controllerReceiveUnixNs: welcome.controllerReceiveUnixNs,
            controllerSendUnixNs: welcome.controllerSendUnixNs, agentReceiveUnixNs: agentReceiveUnixNs)
    }

    /// The controller's clock reading at agent time `agentUnixNs` (saturating, never trapping).
    public func controllerTime(agentUnixNs: Int64) -> Int64 {
        let (sum, overflow) = agentUnixNs.addingReportingOverflow(offsetNanoseconds)
        return overflow ? (offsetNanoseconds > 0 ? .max : .min) : sum
    }

    /// The agent's clock reading at controller time `controllerUnixNs`, e.g. to turn
    /// `Start.start_unix_ns` into a local deadline (saturating, never trapping).
    public func agentTime(controllerUnixNs: Int64) -> Int64 {
        let (difference, overflow) = controllerUnixNs.subtractingReportingOverflow(offsetNanoseconds)
        return overflow ? (offsetNanoseconds > 0 ? .min : .max) : difference
    }
}
