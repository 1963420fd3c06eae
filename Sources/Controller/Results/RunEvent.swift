/// What a run tells an observer while it runs, beside its console lines: the server's event
/// stream (`kloudbuster serve`) and its metrics are built from these.
public enum RunEvent: Sendable, Equatable {
    /// A line of progress ("joined 3 of 4 agents", "stage 1: 2 client(s) loading for 30 s").
    case progress(String)
    /// An agent joined; `joined` of `total` have.
    case agentJoined(agentID: String, joined: Int, total: Int)
    /// An agent was lost or failed, and why.
    case agentLost(agentID: String, reason: String)
    /// A merged interval, as its console line shows it.
    case interval(IntervalSummary)
    /// A test of an interactive run ended (its result is written); the run goes on.
    case testFinished(test: Int, status: String, verdict: ResultDocument.VerdictValue)
    /// The run ended: its status and verdict (`ok` or the reasons).
    case finished(status: String, verdict: ResultDocument.VerdictValue)
}
