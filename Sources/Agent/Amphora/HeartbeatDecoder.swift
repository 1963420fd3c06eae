/// Reads a heartbeat datagram as Octavia's health manager does: checks the HMAC-SHA256 hex
/// signature at its end against the key, then inflates the zlib stream before it.
///
/// For tests and tools (the reference vectors, what an agent really sent); only the hex form
/// of the signature is accepted, which is what amphorae send. Not thread-safe.
public final class HeartbeatDecoder {
    private let mac: HMACSHA256

    /// A decoder checking signatures with `key` (as UTF-8).
    public init(key: String) throws {
        mac = try HMACSHA256(key: Array(key.utf8))
    }

    /// The JSON body of `datagram`. Throws `HeartbeatError.badSignature` for a wrong key or
    /// altered bytes, `.malformed` when the signed payload is not one zlib stream.
    public func body(of datagram: [UInt8]) throws -> [UInt8] {
        let signatureLength = HeartbeatEncoder.signatureLength
        // A zlib stream is at least a 2-byte header, an empty block and a 4-byte checksum.
        guard datagram.count >= signatureLength + 8 else { throw HeartbeatError.tooShort(bytes: datagram.count) }
        return try datagram.withUnsafeBytes { bytes in
            let payload = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - signatureLength)])
            var expected = [UInt8](repeating: 0, count: signatureLength)
            try expected.withUnsafeMutableBufferPointer { try mac.authenticateHex(payload, into: $0.baseAddress!) }
            // Compare every byte whatever the first difference, as hmac.compare_digest does.
            var difference: UInt8 = 0
            for index in 0..<signatureLength {
                difference |= expected[index] ^ bytes[payload.count + index]
            }
            guard difference == 0 else { throw HeartbeatError.badSignature }
            return try HeartbeatZlib.inflate(payload)
        }
    }
}
