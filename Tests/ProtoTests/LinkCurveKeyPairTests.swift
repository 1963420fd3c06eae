import Testing

@testable import Proto

@Suite("ZeroMQ link: CURVE key pairs and Z85")
struct LinkCurveKeyPairTests {
    @Test("Z85 matches the RFC 32 test vector both ways")
    func z85Vector() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
    }

    @Test("Z85 rejects bad lengths, characters outside the alphabet and groups above 2^32 - 1")
    func z85Rejects() {
        #expect(Z85.decode("Hello") != nil)
        #expect(Z85.decode("Hell") == nil)
        #expect(Z85.decode("Hell~") == nil)
        #expect(Z85.decode("#####") == nil)
        #expect(Z85.decode("%nSc0") == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test("generated keys are 40-character Z85 and adopt back as a valid pair")
    func generateAndAdopt() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.utf8.count == 40)
        #expect(pair.secretKey.utf8.count == 40)
        #expect(Z85.decode(pair.publicKey)?.count == 32)
        #expect(try CurveKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey) == pair)
        #expect(try CurveKeyPair.generate() != pair)
    }

    @Test("adopting keys rejects wrong lengths, non-Z85 text and a public key from another pair")
    func adoptRejects() throws {
        let pair = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        #expect(throws: LinkError.self) { try CurveKeyPair(publicKey: pair.publicKey + " ", secretKey: pair.secretKey) }
        #expect(throws: LinkError.self) {
            try CurveKeyPair(publicKey: String(repeating: "~", count: 40), secretKey: pair.secretKey)
        }
        #expect {
            try CurveKeyPair(publicKey: other.publicKey, secretKey: pair.secretKey)
        } throws: { error in
            (error as? LinkError)?.kind == .invalidArgument
        }
    }

    @Test("descriptions never show the secret key")
    func redacted() throws {
        let pair = try CurveKeyPair.generate()
        #expect(!"\(pair)".contains(pair.secretKey))
        #expect(!String(reflecting: pair).contains(pair.secretKey))
        #expect("\(pair)".contains(pair.publicKey))
    }
}
