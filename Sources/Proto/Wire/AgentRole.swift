/// What an agent does in a run. The raw values are the strings of `Hello.role` and the role
/// topics of `Command.topic`, so both ends spell them one way.
public enum AgentRole: String, Sendable, CaseIterable {
    /// Serves HTTP (nginx) for client agents to load.
    case httpServer = "http-server"
    /// Loads one or more servers with the CHttpGen engine.
    case httpClient = "http-client"
    /// An Octavia load-balancer amphora that only reports.
    case amphora = "amphora"
}
