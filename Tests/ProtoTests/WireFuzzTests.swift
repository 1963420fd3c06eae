#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto
import Testing

/// Receivers face whatever a broken or hostile peer sends: every input must end as an envelope or
/// a counted `WireError`, never a trap or a hang.
@Suite struct WireFuzzTests {
    /// A valid frame with every kind of field (varints, fixed64 doubles, strings, bytes, maps,
    /// nested messages), to truncate and corrupt.
    static let reportFrame: [UInt8] = {
        var report = Kb_V1_IntervalReport()
        report.stage = 2
        report.index = 11
        report.requests = 1_000_000
        report.cpuUserS = 3.5
        report.errors.timeout = 17
        report.statusCodes = [200: 999_000, 503: 1000]
        report.latencyHistogram = Data(repeating: 0x5A, count: 300)
        report.server.requests = 42
        return WireCodec.encode(.make(runID: "run-7", sender: "kb-c-3", seq: 5, sentUnixNs: 1, body: .intervalReport(report)))
    }()

    @Test func randomFramesAreClassified() {
        var random = SeededGenerator(seed: 0x5EED_CAFE)
        var counters = WireCounters()
        let frames = 5000
        for _ in 0..<frames {
            let length = Int(random.next() % 256)
            let frame = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = counters.decode(frame)
        }
        #expect(counters.accepted + counters.dropped == UInt64(frames))
        // Random bytes almost never form a version-1 envelope with a body.
        #expect(counters.dropped > UInt64(frames) * 9 / 10)
        #expect(counters.malformed > 0)
    }

    @Test func everyTruncationIsClassified() {
        var counters = WireCounters()
        for length in 0..<Self.reportFrame.count {
            // The body is the last field, so every proper prefix lacks it or cuts it.
            _ = counters.decode(Array(Self.reportFrame.prefix(length)))
        }
        #expect(counters.accepted + counters.dropped == UInt64(Self.reportFrame.count))
        #expect(counters.malformed > 0)
        #expect(counters.accepted == 0)
    }

    @Test func corruptedFramesAreClassified() {
        var random = SeededGenerator(seed: 1234)
        var counters = WireCounters()
        let frames = 5000
        for _ in 0..<frames {
            var frame = Self.reportFrame
            for _ in 0..<(1 + random.next() % 4) {
                let index = Int(random.next() % UInt64(frame.count))
                frame[index] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
            }
            _ = counters.decode(frame)
        }
        #expect(counters.accepted + counters.dropped == UInt64(frames))
        #expect(counters.malformed > 0)
    }

    @Test func deeplyNestedGroupsDoNotExhaustTheStack() {
        // 200,000 start-group tags of an unknown field: a recursive skipper would overflow.
        let frame = [UInt8](repeating: 0xFB, count: 200_000) + [0x01]
        var counters = WireCounters()
        if case .success = counters.decode(frame) {
            Issue.record("nested garbage was accepted")
        }
        #expect(counters.dropped == 1)
    }

    @Test func countersSayWhyFramesWereDropped() {
        var counters = WireCounters()
        counters.record(.malformed("truncated"))
        counters.record(.wrongRun(expected: "a", actual: "b"))
        let accepted = counters.decode(Self.reportFrame)
        #expect((try? accepted.get())?.sender == "kb-c-3")
        #expect(counters.description == "accepted 1, dropped 2 (malformed 1, wrong run 1)")
    }
}
