import Controller
import Testing
@testable import Server

/// The event log behind the event stream: numbered from 1, replayed after any id, live after.
@Suite("RunEventLog")
struct RunEventLogTests {
    @Test("a subscriber after N gets N+1... then the live events, and its stream ends at finished")
    func resumesWithoutGapOrDuplicate() async {
        let log = RunEventLog()
        for index in 1...5 { log.append(.progress("line \(index)")) }
        let stream = log.subscribe(after: 3)
        log.append(.progress("line 6"))
        log.append(.finished(status: "done", verdict: .ok))
        log.append(.progress("after the end"))
        var ids: [Int] = []
        for await event in stream { ids.append(event.id) }
        #expect(ids == [4, 5, 6, 7])
        #expect(log.events.count == 7)
        #expect(log.events.last?.name == "finished")
        // A subscriber after the end gets what it missed and then the end.
        var late: [Int] = []
        for await event in log.subscribe(after: 6) { late.append(event.id) }
        #expect(late == [7])
    }

    @Test("events are one line of JSON each, with the run's names")
    func encoding() {
        let log = RunEventLog()
        log.append(.agentJoined(agentID: "a", joined: 1, total: 2))
        log.append(.agentLost(agentID: "a", reason: "lost: silent for 10 s"))
        log.append(.finished(status: "done", verdict: .reasons(["errors: 3"])))
        #expect(log.events.map(\.name) == ["agent_joined", "agent_lost", "finished"])
        #expect(log.events.allSatisfy { !$0.data.contains("\n") })
        #expect(log.events[2].data == #"{"status":"done","verdict":["errors: 3"]}"#)
    }
}
