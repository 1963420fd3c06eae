import Testing

@testable import Proto

@Suite("ZeroMQ link: throughput sanity")
struct LinkThroughputTests {
    @Test("10,000 small frames from 4 agents all arrive, each agent's in order")
    func tenThousandFrames() async throws {
        let fixture = try LinkFixture()
        let agents = try (0..<4).map { try fixture.agent("agent-\($0)").0 }
        let perAgent = 2_500
        for sequence in 0..<perAgent {
            for (index, agent) in agents.enumerated() {
                try agent.send([UInt8(index), UInt8(sequence >> 8), UInt8(sequence & 0xFF)])
            }
        }
        #expect(await fixture.inbox.wait(within: .seconds(60)) { $0.count >= agents.count * perAgent })
        let frames = fixture.inbox.items
        #expect(frames.count == agents.count * perAgent)
        for index in agents.indices {
            let mine = frames.filter { $0.identity == Array("agent-\(index)".utf8) }
            #expect(mine.map { Int($0.payload[1]) << 8 | Int($0.payload[2]) } == Array(0..<perAgent))
            #expect(mine.allSatisfy { $0.payload[0] == UInt8(index) })
        }
        #expect(fixture.controller.counters.framesIn == agents.count * perAgent)
        for agent in agents { agent.close() }
        fixture.controller.close()
    }
}
