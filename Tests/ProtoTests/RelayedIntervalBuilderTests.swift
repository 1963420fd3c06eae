import Foundation
@testable import Proto
import Testing

/// A relay's merge of its members' interval reports: what it sums, what it keeps apart.
@Suite("RelayedIntervalBuilder")
struct RelayedIntervalBuilderTests {
    static func report(seed: Int, index: UInt64 = 3, final: Bool = false) -> (Kb_V1_IntervalReport, Histogram, Histogram) {
        var latency = Histogram(), lag = Histogram()
        for n in 0..<(200 + seed * 10) { latency.record(Int64(100 + (n * 53 + seed * 977) % 90_000)) }
        for n in 0..<50 { lag.record(Int64(1 + (n * 7 + seed) % 300)) }
        var report = Kb_V1_IntervalReport()
        report.stage = 2
        report.index = index
        report.final = final
        report.startUnixNs = 1_000_000 + Int64(seed)
        report.durationNs = 1_000_000_000 + UInt64(seed)
        report.requests = UInt64(latency.totalCount)
        report.bytesRead = 1_000 * UInt64(seed + 1)
        report.bytesWritten = 100 * UInt64(seed + 1)
        report.errors.timeout = UInt64(seed)
        report.errors.connect = 1
        report.statusCodes = [200: UInt64(latency.totalCount), 503: UInt64(seed)]
        report.latencyHistogram = Data(latency.encodedV2(.stored))
        report.latencyMaxUs = latency.maxValue + 1
        report.lagHistogram = Data(lag.encodedV2())
        report.lagMaxUs = lag.maxValue
        report.cpuUserS = 0.25
        report.cpuSysS = 0.5
        report.openConnections = 10
        if final {
            report.stageLatencyHistogram = report.latencyHistogram
            report.stageLatencyMaxUs = report.latencyMaxUs
        }
        return (report, latency, lag)
    }

    @Test("counters are summed, histograms added, maxima the largest, and each member's share keeps its own counters")
    func mergesLosslessly() throws {
        var builder = RelayedIntervalBuilder(stage: 2, index: 3)
        var latency = Histogram(), lag = Histogram()
        for seed in 0..<5 {
            let (report, l, g) = Self.report(seed: seed, final: true)
            let added = builder.add(report, from: "cli-\(seed)")
            #expect(added)
            try latency.add(l)
            try lag.add(g)
        }
        let relayed = builder.build()
        let merged = relayed.merged
        #expect(merged.stage == 2 && merged.index == 3 && merged.final)
        #expect(merged.requests == UInt64(latency.totalCount))
        #expect(merged.bytesRead == 15_000 && merged.bytesWritten == 1_500)
        #expect(merged.errors.timeout == 10 && merged.errors.connect == 5)
        #expect(merged.statusCodes == [200: UInt64(latency.totalCount), 503: 10])
        #expect(merged.startUnixNs == 1_000_000 && merged.durationNs == 1_000_000_004)
        #expect(merged.latencyMaxUs == (0..<5).map { Self.report(seed: $0).0.latencyMaxUs }.max())
        #expect(merged.cpuUserS == 1.25 && merged.cpuSysS == 2.5 && merged.openConnections == 50)
        #expect(try Histogram(decodingV2: Array(merged.latencyHistogram)) == latency)
        #expect(try Histogram(decodingV2: Array(merged.lagHistogram)) == lag)
        #expect(try Histogram(decodingV2: Array(merged.stageLatencyHistogram)) == latency)
        // Stored blocks on the wire: the 0x1c849314 cookie, zlib level 0.
        #expect(Array(merged.latencyHistogram.prefix(4)) == [0x1c, 0x84, 0x93, 0x14] && merged.latencyHistogram[9] == 0x01)
        #expect(relayed.members.map(\.agentID) == (0..<5).map { "cli-\($0)" })
        for (seed, member) in relayed.members.enumerated() {
            let (own, _, _) = Self.report(seed: seed, final: true)
            #expect(member.report.requests == own.requests && member.report.errors == own.errors)
            #expect(member.report.latencyHistogram.isEmpty && member.report.lagHistogram.isEmpty && member.report.stageLatencyHistogram.isEmpty)
        }
    }

    @Test("another stage or interval, and a member's second report, are refused and change nothing")
    func refusesWhatDoesNotBelong() {
        var builder = RelayedIntervalBuilder(stage: 2, index: 3)
        let first = builder.add(Self.report(seed: 1).0, from: "cli-1")
        var otherStage = Self.report(seed: 2).0
        otherStage.stage = 1
        let refused = [
            builder.add(otherStage, from: "cli-2"), builder.add(Self.report(seed: 2, index: 4).0, from: "cli-2"),
            builder.add(Self.report(seed: 3).0, from: "cli-1"),
        ]
        #expect(first && refused == [false, false, false])
        let relayed = builder.build()
        #expect(relayed.members.count == 1 && relayed.merged.requests == Self.report(seed: 1).0.requests)
        #expect(!relayed.merged.final)
    }

    @Test("a latency histogram that does not decode passes its member on whole; a bad lag histogram stays on its share alone")
    func undecodableHistograms() throws {
        var builder = RelayedIntervalBuilder(stage: 2, index: 3)
        let (good, latency, lag) = Self.report(seed: 1)
        var badLatency = Self.report(seed: 2).0
        badLatency.latencyHistogram.removeLast(3)
        var badLag = Self.report(seed: 3).0
        badLag.lagHistogram = Data([0x1c, 0x84, 0x93, 0x14, 0, 0, 0, 9, 1, 2])
        builder.add(good, from: "a")
        builder.add(badLatency, from: "b")
        builder.add(badLag, from: "c")
        let relayed = builder.build()
        var expected = latency
        try expected.add(Self.report(seed: 3).1)
        #expect(try Histogram(decodingV2: Array(relayed.merged.latencyHistogram)) == expected)
        #expect(try Histogram(decodingV2: Array(relayed.merged.lagHistogram)) == lag)
        #expect(relayed.merged.requests == good.requests + badLag.requests)
        let shares = Dictionary(uniqueKeysWithValues: relayed.members.map { ($0.agentID, $0.report) })
        #expect(shares["b"] == badLatency)
        #expect(shares["c"]?.latencyHistogram.isEmpty == true && shares["c"]?.lagHistogram == badLag.lagHistogram)
    }
}
