import Agent
import Foundation
import Proto
import Testing

/// The amphora role's sender: a checked plan, the schedule (each amphora once per interval,
/// spread over it), the ghost ids in the bodies, round-robin health managers, oversize refusal.
@Suite struct AmphoraSessionTests {
    static func params(count: Int = 10, first: Int = 4, intervalMs: UInt64 = 500, managers: [String]) -> Kb_V1_AmphoraParams {
        var params = Kb_V1_AmphoraParams()
        params.prefix = "kbo-0a0b0c"
        params.listeners = 2
        params.pools = 1
        params.members = 2
        params.amphoraePerLb = 2
        params.firstAmphora = UInt64(first)
        params.amphoraCount = UInt64(count)
        params.healthManagers = managers
        params.key = "insecure"
        params.heartbeatVersion = 1
        params.heartbeatIntervalMs = intervalMs
        params.reportIntervalMs = 400
        return params
    }

    static func plan(_ params: Kb_V1_AmphoraParams) throws -> AmphoraPlan {
        switch AmphoraPlan.make(params) {
        case .success(let plan): return plan
        case .failure(let problem): throw problem
        }
    }

    @Test("1.2 s at one heartbeat per amphora per 0.5 s: 24 heartbeats, every amphora 2 or 3 times, ids as populate makes them, split over two HMs")
    func schedule() throws {
        let (first, second) = (try UDPSink(), try UDPSink())
        let plan = try Self.plan(Self.params(managers: ["127.0.0.1:\(first.port)", "127.0.0.1:\(second.port)"]))
        let session = try AmphoraSession(plan: plan)
        var samples: [(AmphoraSample, Bool)] = []
        session.run(startAt: .now, duration: .milliseconds(1200), shouldStop: { false }) { samples.append(($0, $1)) }
        // Due at j x 50 ms for j x 50 ms < 1200 ms.
        #expect(samples.reduce(0) { $0 + $1.0.sent } == 24)
        #expect(samples.filter(\.1).count == 1 && samples.last?.1 == true)
        #expect(samples.count >= 3 && samples.allSatisfy { $0.0.sendErrors == 0 && $0.0.oversize == 0 })
        let (one, two) = (first.receive(), second.receive())
        #expect(one.count == 12 && two.count == 12)

        let decoder = try HeartbeatDecoder(key: "insecure")
        var perAmphora: [String: Int] = [:]
        for datagram in one + two {
            let body = try HeartbeatVectors.object(decoder.body(of: datagram))
            let id = try #require(body["id"] as? String)
            perAmphora[id, default: 0] += 1
            // Amphora n belongs to load balancer n / 2, whose listeners are 2 lb and 2 lb + 1.
            let n = try #require(Int(id.split(separator: "-").last!))
            let listeners = try #require(body["listeners"] as? NSDictionary)
            #expect(Set(listeners.allKeys as! [String]) == ["kbo-0a0b0c-ls-\(n / 2 * 2)", "kbo-0a0b0c-ls-\(n / 2 * 2 + 1)"])
            let pools = try #require((listeners["kbo-0a0b0c-ls-\(n / 2 * 2)"] as? NSDictionary)?["pools"] as? NSDictionary)
            let pool = try #require(pools["kbo-0a0b0c-pool-\(n / 2 * 2)"] as? NSDictionary)
            #expect(Set((pool["members"] as! NSDictionary).allKeys as! [String]) == ["kbo-0a0b0c-mb-\(n / 2 * 4)", "kbo-0a0b0c-mb-\(n / 2 * 4 + 1)"])
        }
        #expect(Set(perAmphora.keys) == Set((4..<14).map { "kbo-0a0b0c-amp-\($0)" }))
        #expect(perAmphora.values.allSatisfy { $0 == 2 || $0 == 3 })
    }

    @Test("a Stop ends the sending early and still gives a final sample")
    func stop() throws {
        let sink = try UDPSink()
        let session = try AmphoraSession(plan: try Self.plan(Self.params(intervalMs: 100, managers: ["127.0.0.1:\(sink.port)"])))
        let started = ContinuousClock.now
        var finals = 0
        session.run(startAt: started, duration: nil, shouldStop: { ContinuousClock.now - started > .milliseconds(300) }) { _, final in
            if final { finals += 1 }
        }
        #expect(finals == 1)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(sink.receive().count >= 20)
    }

    @Test("heartbeats over 65,507 bytes are refused and counted, never sent")
    func oversize() throws {
        let sink = try UDPSink()
        var params = Self.params(count: 2, intervalMs: 200, managers: ["127.0.0.1:\(sink.port)"])
        params.listeners = 40
        params.pools = 5
        params.members = 300
        params.fullCompression = true
        let session = try AmphoraSession(plan: try Self.plan(params))
        #expect(session.oversizeAmphorae == 2)
        var oversize: UInt64 = 0, sent: UInt64 = 0
        session.run(startAt: .now, duration: .milliseconds(500), shouldStop: { false }) { sample, _ in
            oversize += sample.oversize
            sent += sample.sent
        }
        #expect(oversize == 5 && sent == 0)
        #expect(sink.receive().isEmpty)
    }

    @Test("AmphoraParams are checked field by field, with what to give instead")
    func validation() {
        func problem(_ change: (inout Kb_V1_AmphoraParams) -> Void) -> String {
            var params = Self.params(managers: ["127.0.0.1:5555"])
            change(&params)
            if case .failure(let problem) = AmphoraPlan.make(params) { return problem.description }
            return "accepted"
        }
        #expect(problem { $0.key = "" } == "amphora.key is empty; give the health manager's [health_manager] heartbeat_key")
        #expect(problem { $0.healthManagers = ["hm.example:5555"] }.hasPrefix("amphora.health_managers[0]: health manager \"hm.example:5555\" has host"))
        #expect(problem { $0.healthManagers = [] } == "amphora.health_managers is empty; give at least one HOST:PORT")
        #expect(problem { $0.heartbeatVersion = 4 } == "amphora.heartbeat_version is 4; give 1, 2 or 3")
        #expect(problem { $0.amphoraePerLb = 3 }.contains("give 1 (SINGLE) or 2 (ACTIVE_STANDBY)"))
        #expect(problem { $0.heartbeatIntervalMs = 0 }.contains("heartbeat_interval_ms is 0"))
        #expect(problem { $0.amphoraCount = 0 }.contains("amphora_count is 0"))
        #expect(problem { _ in } == "accepted")
    }

    @Test("health manager endpoints: IPv4, bracketed IPv6, lists; names and bad ports refused")
    func endpoints() throws {
        #expect(try HealthManagerEndpoint.parse("127.0.0.1:5555").get() == HealthManagerEndpoint.parse(" 127.0.0.1:5555 ").get())
        let v6 = try HealthManagerEndpoint.parse("[::1]:6000").get()
        #expect(v6.host == "::1" && v6.port == 6000 && v6.description == "[::1]:6000")
        #expect(try HealthManagerEndpoint.parseList("127.0.0.1:1,127.0.0.2:2").get().map(\.description) == ["127.0.0.1:1", "127.0.0.2:2"])
        for (text, problem) in [("localhost:5555", "which is not a numeric"), ("127.0.0.1", "has no :PORT"), ("127.0.0.1:0", "not 1 to 65535"),
                                ("::1:5555", "without brackets"), ("[::1]5555", "no ]:PORT"), (":5555", "has no host")] {
            guard case .failure(let error) = HealthManagerEndpoint.parse(text) else {
                Issue.record("\(text) accepted")
                continue
            }
            #expect(error.description.contains(problem), "\(error)")
            #expect(error.description.hasSuffix("e.g. 127.0.0.1:5555 or [::1]:5555"))
        }
        guard case .failure = HealthManagerEndpoint.parseList("127.0.0.1:1,,127.0.0.1:2") else {
            Issue.record("an empty list item was accepted")
            return
        }
    }
}
