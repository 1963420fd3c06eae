import Agent
import Foundation
import Testing

/// Heartbeats of many amphorae through `HeartbeatBatch` to a real UDP socket on loopback: one
/// ordinary, verifiable datagram per heartbeat, whatever the kernel did with the batch.
@Suite struct HeartbeatBatchTests {
    /// Amphorae of 0-3 listeners, so that lengths differ and runs are cut and padded.
    static func status(_ index: Int) -> AmphoraStatus {
        AmphoraStatus(
            amphoraID: "amphora-\(index)", version: index % 5 == 0 ? .v1 : .v3,
            listeners: (0..<(index % 4)).map { l in
                .init(id: "listener-\(index)-\(l)", pools: [.init(id: "pool-\(index)-\(l)", members: (0..<2).map { .init(id: "member-\(index)-\(l)-\($0)") })])
            })
    }

    static func stats(_ status: AmphoraStatus, seq: UInt64) -> [ListenerStats] {
        status.listeners.indices.map { ListenerStats(tx: seq * seq * UInt64($0 + 1), rx: seq % 7, conns: 1, totconns: seq, ereq: 0) }
    }

    /// Sends `count` heartbeats of 40 amphorae (seq = message number) and returns what the
    /// sink got, decoded and keyed by seq, with the batch.
    static func sendThroughBatch(_ compression: HeartbeatEncoder.Compression, count: Int) throws -> ([UInt64: NSDictionary], HeartbeatBatch, [[UInt8]]) {
        let sink = try UDPSink()
        let encoder = try HeartbeatEncoder(key: "insecure", compression: compression)
        let batch = HeartbeatBatch(encoder: encoder, socket: try HeartbeatSocket(host: "127.0.0.1", port: sink.port), capacity: 100)
        let statuses = (0..<40).map(status)
        let templates = try statuses.map { try encoder.template(for: $0) }
        for seq in 0..<count {
            try batch.append(templates[seq % 40], seq: UInt64(seq), stats: stats(statuses[seq % 40], seq: UInt64(seq)))
        }
        batch.flush()
        let datagrams = sink.receive()
        let decoder = try HeartbeatDecoder(key: "insecure")
        var bodies: [UInt64: NSDictionary] = [:]
        for datagram in datagrams {
            let body = try HeartbeatVectors.object(decoder.body(of: datagram))
            bodies[(body["seq"] as! NSNumber).uint64Value] = body
        }
        return (bodies, batch, datagrams)
    }

    /// What each heartbeat must say, from a plain one-at-a-time encoder.
    static func expected(count: Int) throws -> [UInt64: NSDictionary] {
        let encoder = try HeartbeatEncoder(key: "insecure", compression: .zlib(level: 6))
        let decoder = try HeartbeatDecoder(key: "insecure")
        var bodies: [UInt64: NSDictionary] = [:]
        for seq in 0..<count {
            let status = status(seq % 40)
            let datagram = try encoder.datagram(encoder.template(for: status), seq: UInt64(seq), stats: stats(status, seq: UInt64(seq)))
            bodies[UInt64(seq)] = try HeartbeatVectors.object(decoder.body(of: datagram))
        }
        return bodies
    }

    @Test(arguments: [HeartbeatEncoder.Compression.cachedPrefix, .zlib(level: 9)])
    func everyHeartbeatArrivesAsItsOwnVerifiableDatagram(compression: HeartbeatEncoder.Compression) throws {
        let (bodies, batch, datagrams) = try Self.sendThroughBatch(compression, count: 450)
        #expect(batch.sent == 450)
        #expect(batch.failed == 0)
        #expect(datagrams.count == 450)
        #expect(bodies == (try Self.expected(count: 450)))
        #expect(batch.usesSegmentation == (compression == .cachedPrefix))
    }

    @Test func paddingIsAtMostTheBoundAndOnlyWhiteSpace() throws {
        let (_, _, datagrams) = try Self.sendThroughBatch(.cachedPrefix, count: 200)
        let decoder = try HeartbeatDecoder(key: "insecure")
        for datagram in datagrams {
            let body = try decoder.body(of: datagram)
            let trailing = body.reversed().prefix { $0 == 0x20 }.count
            #expect(trailing <= HeartbeatBatch.maxPadding)
            #expect(body[body.count - trailing - 1] == UInt8(ascii: "}"))
        }
    }

    @Test func aHeartbeatOverTheUDPLimitIsCountedAndTheOthersStillGo() throws {
        let sink = try UDPSink()
        let encoder = try HeartbeatEncoder(key: "k")
        let batch = HeartbeatBatch(encoder: encoder, socket: try HeartbeatSocket(host: "127.0.0.1", port: sink.port))
        let huge = AmphoraStatus(
            amphoraID: "huge", listeners: [.init(id: "l", pools: [.init(id: "p", members: (0..<3_000).map { _ in
                .init(id: (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined())
            })])])
        let small = try encoder.template(for: Self.status(1))
        try batch.append(small, seq: 1, stats: Self.stats(Self.status(1), seq: 1))
        #expect(throws: HeartbeatError.self) { try batch.append(encoder.template(for: huge), seq: 2, stats: [ListenerStats()]) }
        try batch.append(small, seq: 3, stats: Self.stats(Self.status(1), seq: 3))
        batch.flush()
        #expect(batch.failed == 1)
        #expect(batch.sent == 2)
        #expect(sink.receive().count == 2)
    }
}
