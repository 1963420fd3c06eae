import Testing

@testable import Proto

@Suite("ZeroMQ link: ZAP handler decisions (RFC 27)")
struct LinkZapHandlerTests {
    private let key = [UInt8](0..<32)

    private func request(mechanism: String = "CURVE", credentials: [[UInt8]]? = nil, version: String = "1.0") -> [[UInt8]] {
        [[0, 0, 0, 1], [], Array(version.utf8), Array("req-7".utf8), Array("kloudbuster-router".utf8),
         Array("127.0.0.1".utf8), [], Array(mechanism.utf8)] + (credentials ?? [key])
    }

    private func text(_ frame: [UInt8]) -> String { String(decoding: frame, as: UTF8.self) }

    @Test("an admitted CURVE key gets 200 with its Z85 key as user id, echoing the envelope and request id")
    func admitted() throws {
        let reply = try #require(ZapHandler.reply(to: request()) { $0 == Z85.encode(key) })
        #expect(reply.allowed)
        #expect(reply.frames.count == 8)
        #expect(reply.frames[0] == [0, 0, 0, 1] && reply.frames[1].isEmpty)
        #expect(text(reply.frames[2]) == "1.0")
        #expect(text(reply.frames[3]) == "req-7")
        #expect(text(reply.frames[4]) == "200")
        #expect(text(reply.frames[6]) == Z85.encode(key))
        #expect(reply.frames[7].isEmpty)
    }

    @Test("a key that is not admitted gets 400 and no user id")
    func denied() throws {
        let reply = try #require(ZapHandler.reply(to: request()) { _ in false })
        #expect(!reply.allowed)
        #expect(text(reply.frames[4]) == "400")
        #expect(reply.frames[6].isEmpty)
    }

    @Test("other mechanisms are denied even when a key would match")
    func otherMechanism() throws {
        let reply = try #require(ZapHandler.reply(to: request(mechanism: "NULL", credentials: [])) { _ in true })
        #expect(text(reply.frames[4]) == "400")
    }

    @Test("malformed requests get 500; requests without an envelope get no reply")
    func malformed() throws {
        let badVersion = try #require(ZapHandler.reply(to: request(version: "2.0")) { _ in true })
        #expect(text(badVersion.frames[4]) == "500" && !badVersion.allowed)
        let shortKey = try #require(ZapHandler.reply(to: request(credentials: [[1, 2, 3]])) { _ in true })
        #expect(text(shortKey.frames[4]) == "500")
        #expect(ZapHandler.reply(to: [[1]]) { _ in true } == nil)
        #expect(ZapHandler.reply(to: [[1], [9], [], []]) { _ in true } == nil)
    }
}
