import Agent
import Foundation
import Testing

/// Octavia's own code reads our heartbeats: `status_message.unwrap_envelope`, the function the
/// health manager calls on every datagram, from PyPI octavia 19.0.0 (`scripts/octavia-local.sh
/// venv`).
@Suite struct HeartbeatOctaviaTests {
    private static func datagrams(key: String) throws -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        for compression in [HeartbeatEncoder.Compression.cachedPrefix, .zlib(level: 9)] {
            let encoder = try HeartbeatEncoder(key: key, compression: compression)
            datagrams.append(try encoder.datagram(encoder.template(for: HeartbeatVectors.v1Status), seq: 7, stats: HeartbeatVectors.v1Stats))
            datagrams.append(try encoder.datagram(encoder.template(for: HeartbeatVectors.v3Status), seq: 7, stats: HeartbeatVectors.v3Stats))
        }
        return datagrams
    }

    @Test func octaviaUnwrapsOurHeartbeatsToTheReferenceBodies() throws {
        let outcomes = try OctaviaPython.unwrapEnvelope(Self.datagrams(key: "insecure"), key: "insecure")
        let v1 = OctaviaPython.Outcome.body(try HeartbeatVectors.object(HeartbeatVectors.v1JSON))
        let v3 = OctaviaPython.Outcome.body(try HeartbeatVectors.object(HeartbeatVectors.v3JSON))
        #expect(outcomes == [v1, v3, v1, v3])
    }

    @Test func octaviaRejectsOurHeartbeatsUnderAnotherKey() throws {
        let outcomes = try OctaviaPython.unwrapEnvelope(Self.datagrams(key: "not-insecure"), key: "insecure")
        #expect(outcomes == Array(repeating: .raised("InvalidHMACException"), count: 4))
    }

    /// Batched heartbeats (padded with trailing spaces, cut apart by the kernel) as the health
    /// manager's socket receives them.
    @Test func octaviaUnwrapsBatchedHeartbeatsAsReceived() throws {
        let (bodies, _, datagrams) = try HeartbeatBatchTests.sendThroughBatch(.cachedPrefix, count: 120)
        let outcomes = try OctaviaPython.unwrapEnvelope(datagrams, key: "insecure")
        #expect(outcomes.count == 120)
        for outcome in outcomes {
            guard case .body(let body) = outcome, let seq = (body["seq"] as? NSNumber)?.uint64Value else {
                Issue.record("Octavia did not unwrap a batched heartbeat: \(outcome)")
                continue
            }
            #expect(body == bodies[seq])
        }
    }

    /// The harness itself: Octavia's reference datagrams pass, so a failure above is ours.
    @Test func octaviaUnwrapsItsOwnReferenceDatagrams() throws {
        let outcomes = try OctaviaPython.unwrapEnvelope([HeartbeatVectors.v1Datagram, HeartbeatVectors.v3Datagram], key: "insecure")
        #expect(outcomes == [.body(try HeartbeatVectors.object(HeartbeatVectors.v1JSON)), .body(try HeartbeatVectors.object(HeartbeatVectors.v3JSON))])
    }
}
