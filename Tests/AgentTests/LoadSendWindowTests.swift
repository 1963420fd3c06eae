import Foundation
import KBTestSupport
import Testing

/// `--send-window`: at a fixed rate, requests due within one window leave together at its
/// start, and latency is still timed from the schedule. Seen from nginx's own access log
/// ($msec, millisecond resolution), not from the engine's counters.
@Suite("kb-agent load --send-window against nginx", .serialized)
struct LoadSendWindowTests {
    /// What nginx saw: the gaps between consecutive requests, in milliseconds.
    struct Arrivals {
        let count: Int
        let gaps: [Double]

        init(_ nginx: NginxServer) throws {
            let times = try nginx.accessLogLines().compactMap { Double($0.split(separator: " ").last ?? "") }.sorted()
            count = times.count
            gaps = zip(times.dropFirst(), times).map { ($0 - $1) * 1_000 }
        }

        /// The share of requests that came within 2 ms of the one before.
        var closeShare: Double { gaps.isEmpty ? 0 : Double(gaps.filter { $0 <= 2 }.count) / Double(gaps.count) }
        /// Pauses of at least `ms` between requests.
        func pauses(atLeast ms: Double) -> Int { gaps.filter { $0 >= ms }.count }
    }

    static func run(window: String?) async throws -> (LoadJSON, Arrivals) {
        let nginx = try NginxServer(.init(accessLog: true))
        // 200 requests/s over 20 connections: one request per connection every 100 ms.
        var arguments = [nginx.url("/"), "-c", "20", "-t", "1", "-d", "2s", "-R", "200"]
        if let window { arguments += ["--send-window", window] }
        let result = try await KBAgentBinary.load(arguments)
        return (result, try Arrivals(nginx))
    }

    @Test("with a 100 ms window the rate arrives as one burst per window, on time and timed from the window")
    func burstsPerWindow() async throws {
        let (result, arrivals) = try await Self.run(window: "100ms")
        #expect(result.errors.total == 0)
        #expect(arrivals.count == Int(result.requests))
        // The rate is kept: 2 s at 200/s (a busy machine may start or end a little late).
        #expect(result.requests >= 360 && result.requests <= 420, "\(result.requests) requests")
        // 20 windows of 20 requests each: nearly every request follows another within 2 ms,
        // and the bursts are separated by pauses of about 100 ms.
        #expect(arrivals.closeShare >= 0.8, "share of close arrivals \(arrivals.closeShare)")
        let pauses = arrivals.pauses(atLeast: 50)
        #expect(pauses >= 12 && pauses <= 24, "\(pauses) pauses of 50 ms or more")
        // Timed from the window's start, when the requests really left: a burst does not add
        // half a window (50 ms) to every latency, and the engine was not late.
        #expect(result.latency_us.p50 < 20_000, "p50 \(result.latency_us.p50) µs")
        let lag = try #require(result.lag_us)
        #expect(lag.p50 < 20_000, "lag p50 \(lag.p50) µs")
    }

    @Test("without a window the same rate arrives spread out, a request every 5 ms")
    func spreadWithoutWindow() async throws {
        let (result, arrivals) = try await Self.run(window: nil)
        #expect(result.errors.total == 0)
        #expect(result.requests >= 360 && result.requests <= 420, "\(result.requests) requests")
        #expect(arrivals.closeShare < 0.5, "share of close arrivals \(arrivals.closeShare)")
        #expect(arrivals.pauses(atLeast: 50) <= 3)
    }

    @Test("a window needs a rate, and at most 1 s", arguments: [
        (["--send-window", "1ms"], "only a --rate"),
        (["-R", "100", "--send-window", "2s"], "not between 0 and 1s"),
        (["-R", "100", "--send-window", "-1ms"], "--send-window"),
    ])
    func badWindow(arguments: [String], expected: String) async throws {
        let run = try await KBAgentBinary.start(["load", "http://127.0.0.1:9/", "-d", "1s"] + arguments).wait(timeout: 30)
        #expect(run.status == 2)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
    }
}
