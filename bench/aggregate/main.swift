// Controller-side aggregation cost: decode and merge N agents' one-second interval
// histograms the way the run coordinator does (IntervalAggregator: each report into its
// interval and its group), on one thread. See bench/README.md.
import Controller
import Foundation
import Proto

/// A small deterministic generator (SplitMix64), so every run merges the same data.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// One agent's interval: `requests` latencies, log-normal around 500 µs with a 1% tail to
/// tens of milliseconds, as a loaded client VM sees them.
func agentInterval(requests: Int, random: inout SplitMix64) -> [UInt8] {
    var histogram = Histogram()
    for _ in 0..<requests {
        let u1 = max(random.unit(), 1e-12), u2 = random.unit()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        var value = 500 * exp(0.6 * normal)
        if random.unit() < 0.01 { value *= 20 + 80 * random.unit() }
        histogram.record(Int64(value))
    }
    return histogram.encodedV2(Histogram.wireCompression)
}

let arguments = CommandLine.arguments
let requestsPerAgent = arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000
let repeats = 5
var random = SplitMix64(state: 42)
// Distinct histograms, cycled over the agents: real agents differ, and 500 shapes keep
// the input honest without minutes of encoding first.
let samples = (0..<500).map { _ in agentInterval(requests: requestsPerAgent, random: &random) }
let averageBytes = samples.reduce(0) { $0 + $1.count } / samples.count

print("aggregate: \(requestsPerAgent) requests per agent-interval, \(averageBytes) bytes encoded on average")
print("agents     ms/interval (median of \(repeats))    min ms    µs/agent")
for agents in [1_000, 10_000] {
    let reports = (0..<agents).map { i in
        AgentInterval(
            agentID: "agent-\(i)", group: "group-\(i % 100)", index: 0, requests: UInt64(requestsPerAgent),
            bytesRead: 0, latencyHistogram: samples[i % samples.count], latencyMaxMicroseconds: 0)
    }
    var times: [Double] = []
    var merged: Int64 = 0
    for _ in 0..<repeats {
        let aggregator = IntervalAggregator()
        let clock = ContinuousClock()
        let start = clock.now
        for report in reports { aggregator.add(report) }
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        merged = aggregator.interval(0)?.latency.totalCount ?? 0
        precondition(aggregator.rejected == 0, "a generated histogram did not decode")
    }
    precondition(merged == Int64(agents * requestsPerAgent), "merged \(merged) samples, expected \(agents * requestsPerAgent)")
    times.sort()
    let median = times[times.count / 2]
    print(String(format: "%6d     %12.1f                 %8.1f    %8.1f", agents, median, times[0], median * 1000 / Double(agents)))
}
