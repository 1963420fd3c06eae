import Agent
import Foundation

/// Octavia's reference heartbeats (shared/reference/octavia/heartbeat_v{1,3}_example*): the
/// JSON bodies and the datagrams Octavia's own sender made from them with key `insecure`.
enum HeartbeatVectors {
    static let key = "insecure"

    static let v1JSON = #"""
        {"id": "11111111-1111-4111-8111-111111111111", "seq": 7, "ver": 1, "listeners": {"22222222-2222-4222-8222-222222222222": {"status": "OPEN", "stats": {"rx": 7, "ereq": 7, "totconns": 7, "tx": 7, "conns": 7}, "pools": {"33333333-3333-4333-8333-333333333333": {"status": "UP", "members": {"44444444-4444-4444-8444-444444444444": "UP"}}}}}}
        """#

    static let v3JSON = #"""
        {"id": "11111111-1111-4111-8111-111111111111", "seq": 7, "listeners": {"22222222-2222-4222-8222-222222222222": {"status": "OPEN", "stats": {"tx": 1024, "rx": 512, "conns": 3, "totconns": 10, "ereq": 0}}}, "pools": {"33333333-3333-4333-8333-333333333333:22222222-2222-4222-8222-222222222222": {"status": "UP", "members": {"44444444-4444-4444-8444-444444444444": "no check"}}}, "ver": 3}
        """#

    static let v1Datagram = bytes(
        "78da5d8f310ec2300c45af527926432112113b2b74e100143c546a1348528454f5ee755cbb48bce1eb7fcbb19d09"
            + "ba279c2aa805c3628b388d0aec2a48f8a6f623b90f467235b9be4b193dc6447982bd60586c11a751e1c694ef79"
            + "2c6fe0da9c2f3c9c2aeb90f8952d18b78539e447f03e69d496ad38537885d0af230e8261b1459c46e5ef8e5b53"
            + "ae187068f53356303f71ea147939330b0a0a525961613964663831313539316662343064313363363438633465"
            + "343063376332356630373665366333613530363263346231376439313566666232623335393733")

    static let v3Datagram = bytes(
        "78da9d8fc10ac2300c865f65e46c61dd2a96ddbdea2e3e80ce82c3add5b68a30faee265d8377bfc3dfff2f494816"
            + "18afd055200b228b22d11c19d85410cc13cb77e8a63144638d0f9817680a228b22d11c995c18e239bea8078efd"
            + "fe9047e2cf3a247ef09175a3f0d793dfca06ede0aca582167d7491a3ac311b9f17aa534a981ece4deba8b620b2"
            + "2812cd91e9fe58fad4d3cab3992f7cb92a889f68760c755a570d3733dc615df56d3c9d94be12b65cf765383336"
            + "656463376534343035623131373938646461343262363532373239346466656162383433653766333135613539"
            + "386137663162653463366662383639")

    /// The v1 body as our types: one listener, one pool, one member, every counter 7.
    static let v1Status = AmphoraStatus(
        amphoraID: "11111111-1111-4111-8111-111111111111", version: .v1,
        listeners: [
            .init(
                id: "22222222-2222-4222-8222-222222222222", status: "OPEN",
                pools: [.init(id: "33333333-3333-4333-8333-333333333333", status: "UP", members: [.init(id: "44444444-4444-4444-8444-444444444444", status: "UP")])])
        ])
    static let v1Stats = [ListenerStats(tx: 7, rx: 7, conns: 7, totconns: 7, ereq: 7)]

    /// The v3 body as our types.
    static let v3Status = AmphoraStatus(
        amphoraID: "11111111-1111-4111-8111-111111111111", version: .v3,
        listeners: [
            .init(
                id: "22222222-2222-4222-8222-222222222222", status: "OPEN",
                pools: [.init(id: "33333333-3333-4333-8333-333333333333", status: "UP", members: [.init(id: "44444444-4444-4444-8444-444444444444", status: "no check")])])
        ])
    static let v3Stats = [ListenerStats(tx: 1024, rx: 512, conns: 3, totconns: 10, ereq: 0)]

    /// A JSON text as a Foundation object, for comparing bodies whatever their key order.
    static func object(_ json: some Collection<UInt8>) throws -> NSDictionary {
        guard let object = try JSONSerialization.jsonObject(with: Data(json)) as? NSDictionary else {
            throw HeartbeatVectorError(description: "not a JSON object: \(String(decoding: Array(json), as: UTF8.self))")
        }
        return object
    }

    static func object(_ json: String) throws -> NSDictionary { try object(Array(json.utf8)) }

    private static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}

/// A fixture that does not hold what the test needs.
struct HeartbeatVectorError: Error, CustomStringConvertible {
    let description: String
}
