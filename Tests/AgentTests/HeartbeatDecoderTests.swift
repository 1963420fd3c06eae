import Agent
import Foundation
import Testing

/// Octavia's own datagrams, read by our decoder: the signature is checked, the stream inflated.
@Suite struct HeartbeatDecoderTests {
    @Test(arguments: [1, 3])
    func referenceDatagramsDecodeToTheReferenceBodies(version: Int) throws {
        let (datagram, json) =
            version == 1 ? (HeartbeatVectors.v1Datagram, HeartbeatVectors.v1JSON) : (HeartbeatVectors.v3Datagram, HeartbeatVectors.v3JSON)
        let body = try HeartbeatDecoder(key: HeartbeatVectors.key).body(of: datagram)
        #expect(try HeartbeatVectors.object(body) == HeartbeatVectors.object(json))
    }

    @Test func aWrongKeyIsABadSignature() throws {
        #expect(throws: HeartbeatError.badSignature) {
            try HeartbeatDecoder(key: "insecurE").body(of: HeartbeatVectors.v3Datagram)
        }
    }

    @Test func anyChangedByteIsABadSignature() throws {
        let decoder = try HeartbeatDecoder(key: HeartbeatVectors.key)
        for index in [0, 10, HeartbeatVectors.v1Datagram.count - 70, HeartbeatVectors.v1Datagram.count - 1] {
            var datagram = HeartbeatVectors.v1Datagram
            datagram[index] ^= 0x01
            #expect(throws: HeartbeatError.badSignature) { try decoder.body(of: datagram) }
        }
    }

    @Test func aShortDatagramIsRefused() throws {
        #expect(throws: HeartbeatError.tooShort(bytes: 64)) {
            try HeartbeatDecoder(key: HeartbeatVectors.key).body(of: Array(HeartbeatVectors.v1Datagram.suffix(64)))
        }
    }
}
