/// Why an agent gave up on its run; `kb-agent run` exits 1 with this line.
public enum AgentDaemonError: Error, Sendable, CustomStringConvertible {
    /// No Welcome came: the controller is not there, or it refused this agent's key
    /// (`refused`), or it did not stage this agent. `after` is nil when the refusal ended the
    /// wait early.
    case notWelcomed(agentID: String, routerEndpoint: String, after: Duration?, refused: Bool)

    /// One line: what happened and what to check.
    public var description: String {
        switch self {
        case .notWelcomed(let agentID, let endpoint, let after, let refused):
            if refused {
                return "agent \(agentID): the controller at \(endpoint) refused this agent's CURVE key "
                    + "(libzmq does not redial after that); the controller must admit keys.public before the agent starts"
            }
            let wait = after.map { " within \($0.components.seconds) s" } ?? ""
            return "agent \(agentID): no Welcome from the controller at \(endpoint)\(wait); "
                + "check that the controller runs, that the endpoint is reachable and that it staged this agent"
        }
    }
}
