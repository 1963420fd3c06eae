import Agent
import Foundation
import Testing

/// Our heartbeats, read back by our decoder (Octavia's reading is HeartbeatOctaviaTests).
@Suite struct HeartbeatEncoderTests {
    static let modes: [HeartbeatEncoder.Compression] = [.cachedPrefix, .zlib(level: 9), .zlib(level: 1)]

    private func roundTrip(
        _ status: AmphoraStatus, seq: UInt64, stats: [ListenerStats], _ compression: HeartbeatEncoder.Compression, key: String = "insecure"
    ) throws -> NSDictionary {
        let encoder = try HeartbeatEncoder(key: key, compression: compression)
        let datagram = try encoder.datagram(encoder.template(for: status), seq: seq, stats: stats)
        return try HeartbeatVectors.object(HeartbeatDecoder(key: key).body(of: datagram))
    }

    @Test(arguments: modes)
    func referenceBodiesRoundTrip(compression: HeartbeatEncoder.Compression) throws {
        #expect(
            try roundTrip(HeartbeatVectors.v1Status, seq: 7, stats: HeartbeatVectors.v1Stats, compression)
                == HeartbeatVectors.object(HeartbeatVectors.v1JSON))
        #expect(
            try roundTrip(HeartbeatVectors.v3Status, seq: 7, stats: HeartbeatVectors.v3Stats, compression)
                == HeartbeatVectors.object(HeartbeatVectors.v3JSON))
    }

    @Test func version2PutsPoolsAtTheTopKeyedByPoolAndListener() throws {
        var status = HeartbeatVectors.v3Status
        status.version = .v2
        let body = try roundTrip(status, seq: 1, stats: HeartbeatVectors.v3Stats, .cachedPrefix)
        #expect(body["ver"] as? Int == 2)
        let pools = try #require(body["pools"] as? NSDictionary)
        #expect(pools.allKeys as? [String] == ["33333333-3333-4333-8333-333333333333:22222222-2222-4222-8222-222222222222"])
        let listener = try #require((body["listeners"] as? NSDictionary)?["22222222-2222-4222-8222-222222222222"] as? NSDictionary)
        #expect(listener["pools"] == nil)
    }

    @Test func templatesAreReusedAcrossMessages() throws {
        let encoder = try HeartbeatEncoder(key: "k")
        let decoder = try HeartbeatDecoder(key: "k")
        let template = try encoder.template(for: HeartbeatVectors.v3Status)
        for seq: UInt64 in [0, 1, 9, 10, 99_999, UInt64.max] {
            let stats = [ListenerStats(tx: seq, rx: seq / 3, conns: 1, totconns: seq % 1000, ereq: UInt64.max - seq)]
            let body = try HeartbeatVectors.object(decoder.body(of: encoder.datagram(template, seq: seq, stats: stats)))
            #expect((body["seq"] as? NSNumber)?.uint64Value == seq)
            let counters = try #require(((body["listeners"] as? NSDictionary)?.allValues.first as? NSDictionary)?["stats"] as? NSDictionary)
            #expect((counters["tx"] as? NSNumber)?.uint64Value == seq)
            #expect((counters["ereq"] as? NSNumber)?.uint64Value == UInt64.max - seq)
        }
    }

    @Test(arguments: modes)
    func bodiesAreTheSameJSONWhateverTheCompression(compression: HeartbeatEncoder.Compression) throws {
        let status = AmphoraStatus(
            amphoraID: "amp", version: .v3,
            listeners: (0..<3).map { l in
                .init(id: "l\(l)", status: l == 2 ? "FULL" : "OPEN", pools: [.init(id: "p\(l)", members: (0..<4).map { .init(id: "m\(l)-\($0)", status: "DOWN") })])
            })
        let stats = (0..<3).map { ListenerStats(tx: UInt64($0) * 1000, rx: 5, conns: 6, totconns: 7, ereq: 8) }
        let reference = try roundTrip(status, seq: 42, stats: stats, .zlib(level: 6))
        #expect(try roundTrip(status, seq: 42, stats: stats, compression) == reference)
    }

    @Test func stringsAreJSONEscaped() throws {
        let awkward = "quote\" backslash\\ newline\n tab\t bell\u{07} é"
        let status = AmphoraStatus(amphoraID: awkward, listeners: [.init(id: awkward, status: "OPEN", pools: [.init(id: "p", members: [.init(id: "m", status: awkward)])])])
        let body = try roundTrip(status, seq: 1, stats: [ListenerStats()], .cachedPrefix)
        #expect(body["id"] as? String == awkward)
        let pools = try #require(body["pools"] as? NSDictionary)
        #expect(((pools["p:\(awkward)"] as? NSDictionary)?["members"] as? NSDictionary)?["m"] as? String == awkward)
    }

    /// Bytes from 144 up take 9 bits in a fixed-Huffman block: the tail (second listener on)
    /// holds some, and the computed datagram length must still be exact (asserted in debug).
    @Test func nonASCIIInTheTailKeepsTheLengthExact() throws {
        let status = AmphoraStatus(
            amphoraID: "amp", listeners: [.init(id: "first"), .init(id: "zweiter-Hörer-\u{1F50A}", status: "FÜLL")])
        let stats = [ListenerStats(tx: 1), ListenerStats(tx: 2)]
        let body = try roundTrip(status, seq: 12_345, stats: stats, .cachedPrefix)
        let listeners = try #require(body["listeners"] as? NSDictionary)
        #expect((listeners["zweiter-Hörer-\u{1F50A}"] as? NSDictionary)?["status"] as? String == "FÜLL")
    }

    @Test(arguments: modes)
    func anAmphoraWithoutListenersStillSaysItIsAlive(compression: HeartbeatEncoder.Compression) throws {
        let body = try roundTrip(AmphoraStatus(amphoraID: "spare"), seq: 3, stats: [], compression)
        #expect(body == (try HeartbeatVectors.object(#"{"id": "spare", "seq": 3, "ver": 3, "listeners": {}, "pools": {}}"#)))
    }

    @Test func datagramsAreAZlibStreamWithHeaderThenALowercaseHexHMAC() throws {
        for compression in Self.modes {
            let encoder = try HeartbeatEncoder(key: "insecure", compression: compression)
            let datagram = try encoder.datagram(encoder.template(for: HeartbeatVectors.v3Status), seq: 7, stats: HeartbeatVectors.v3Stats)
            // RFC 1950: CM = 8 (deflate), and the two header bytes are a multiple of 31.
            #expect(datagram[0] & 0x0F == 8)
            #expect((Int(datagram[0]) << 8 | Int(datagram[1])) % 31 == 0)
            #expect(datagram.suffix(64).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        }
    }

    @Test func counterCountMustMatchTheListeners() throws {
        let encoder = try HeartbeatEncoder(key: "k")
        let template = try encoder.template(for: HeartbeatVectors.v3Status)
        #expect(throws: HeartbeatError.statsCount(expected: 1, got: 2)) {
            try encoder.datagram(template, seq: 1, stats: [ListenerStats(), ListenerStats()])
        }
    }

    /// Many members with ids that do not compress: over the UDP limit whatever the compression.
    @Test(arguments: modes)
    func datagramsOverTheUDPLimitAreRefusedNotTruncated(compression: HeartbeatEncoder.Compression) throws {
        var random = SystemRandomNumberGenerator()
        func id() -> String { (0..<4).map { _ in String(random.next() as UInt64, radix: 16) }.joined() }
        func status(members: Int) -> AmphoraStatus {
            AmphoraStatus(amphoraID: "amp", listeners: [.init(id: "l", pools: [.init(id: "p", members: (0..<members).map { _ in .init(id: id()) })])])
        }
        let encoder = try HeartbeatEncoder(key: "k", compression: compression)
        let small = try encoder.datagram(encoder.template(for: status(members: 500)), seq: 1, stats: [ListenerStats()])
        #expect(small.count < HeartbeatEncoder.maxDatagramSize)
        #expect(throws: HeartbeatError.self) {
            do {
                _ = try encoder.datagram(encoder.template(for: status(members: 3_000)), seq: 1, stats: [ListenerStats()])
            } catch HeartbeatError.datagramTooLarge(let bytes) {
                #expect(bytes > HeartbeatEncoder.maxDatagramSize)
                throw HeartbeatError.datagramTooLarge(bytes: bytes)
            }
        }
    }
}
