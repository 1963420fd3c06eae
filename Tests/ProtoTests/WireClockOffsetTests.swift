import Proto
import Testing

@Suite struct WireClockOffsetTests {
    static let base: Int64 = 1_700_000_000_000_000_000

    @Test func symmetricPathsGiveTheExactOffset() throws {
        // The controller is 5 ms ahead; 1 ms each way; 0.2 ms of controller processing.
        let t0 = Self.base
        let t1 = t0 + 5_000_000 + 1_000_000
        let t2 = t1 + 200_000
        let t3 = t0 + 1_000_000 + 200_000 + 1_000_000
        let sample = try #require(ClockOffset(
            agentSendUnixNs: t0, controllerReceiveUnixNs: t1, controllerSendUnixNs: t2, agentReceiveUnixNs: t3))
        #expect(sample.offsetNanoseconds == 5_000_000)
        #expect(sample.roundTripNanoseconds == 2_000_000)
        #expect(sample.controllerTime(agentUnixNs: t3) == t3 + 5_000_000)
        #expect(sample.agentTime(controllerUnixNs: t2) == t2 - 5_000_000)
    }

    @Test func anAgentAheadOfTheControllerHasANegativeOffset() throws {
        // Agent 3 s ahead, 10 µs each way, no processing.
        let t0 = Self.base
        let t1 = t0 - 3_000_000_000 + 10_000
        let sample = try #require(ClockOffset(
            agentSendUnixNs: t0, controllerReceiveUnixNs: t1, controllerSendUnixNs: t1, agentReceiveUnixNs: t0 + 20_000))
        #expect(sample.offsetNanoseconds == -3_000_000_000)
        #expect(sample.roundTripNanoseconds == 20_000)
    }

    @Test func asymmetricPathsErrByHalfTheDifference() throws {
        // Offset 0, 3 ms out and 1 ms back: the estimate is off by (3 - 1) / 2 = 1 ms, within delay / 2.
        let t0 = Self.base
        let sample = try #require(ClockOffset(
            agentSendUnixNs: t0, controllerReceiveUnixNs: t0 + 3_000_000, controllerSendUnixNs: t0 + 3_000_000,
            agentReceiveUnixNs: t0 + 4_000_000))
        #expect(sample.offsetNanoseconds == 1_000_000)
        #expect(sample.roundTripNanoseconds == 4_000_000)
    }

    @Test func welcomeCarriesTheFirstThreeTimestamps() throws {
        var welcome = Kb_V1_Welcome()
        welcome.helloUnixNs = Self.base
        welcome.controllerReceiveUnixNs = Self.base + 7_000
        welcome.controllerSendUnixNs = Self.base + 8_000
        let sample = try #require(ClockOffset(welcome: welcome, agentReceiveUnixNs: Self.base + 5_000))
        #expect(sample.offsetNanoseconds == 5_000)
        #expect(sample.roundTripNanoseconds == 4_000)
    }

    @Test func impossibleTimestampsGiveNoSample() {
        let t0 = Self.base
        // Agent receive before agent send: its clock stepped back.
        #expect(ClockOffset(agentSendUnixNs: t0, controllerReceiveUnixNs: t0, controllerSendUnixNs: t0, agentReceiveUnixNs: t0 - 1) == nil)
        // Controller send before its receive.
        #expect(ClockOffset(agentSendUnixNs: t0, controllerReceiveUnixNs: t0 + 2, controllerSendUnixNs: t0 + 1, agentReceiveUnixNs: t0 + 5) == nil)
        // Controller took longer than the whole round trip.
        #expect(ClockOffset(agentSendUnixNs: t0, controllerReceiveUnixNs: t0, controllerSendUnixNs: t0 + 10, agentReceiveUnixNs: t0 + 5) == nil)
        // Garbage far enough apart to overflow.
        #expect(ClockOffset(agentSendUnixNs: .min, controllerReceiveUnixNs: .max, controllerSendUnixNs: .max, agentReceiveUnixNs: .max) == nil)
    }

    @Test func conversionsSaturateInsteadOfTrapping() throws {
        let sample = try #require(ClockOffset(
            agentSendUnixNs: 0, controllerReceiveUnixNs: 1_000, controllerSendUnixNs: 1_000, agentReceiveUnixNs: 0))
        #expect(sample.offsetNanoseconds == 1_000)
        #expect(sample.controllerTime(agentUnixNs: .max) == .max)
        #expect(sample.agentTime(controllerUnixNs: .min) == .min)
    }

    @Test func theEstimatorKeepsTheSampleWithTheSmallestRoundTrip() throws {
        var estimator = ClockOffsetEstimator()
        #expect(estimator.offsetNanoseconds == 0)
        #expect(estimator.uncertaintyNanoseconds == nil)
        let t0 = Self.base
        // (round trip, offset): the second has the smallest round trip; the last ties it and loses.
        let pairs: [(roundTrip: Int64, offset: Int64)] = [
            (6_000_000, 2_000_000), (2_000_000, 1_000_000), (4_000_000, 9_000_000), (2_000_000, 5_000_000),
        ]
        var samples: [ClockOffset] = []
        for pair in pairs {
            let received = t0 + pair.offset + pair.roundTrip / 2
            samples.append(try #require(ClockOffset(
                agentSendUnixNs: t0, controllerReceiveUnixNs: received, controllerSendUnixNs: received,
                agentReceiveUnixNs: t0 + pair.roundTrip)))
        }
        #expect(samples.map { estimator.add($0) } == [true, true, false, false])
        #expect(estimator.offsetNanoseconds == 1_000_000)
        #expect(estimator.uncertaintyNanoseconds == 1_000_000)
        #expect(estimator.sampleCount == 4)
    }
}
