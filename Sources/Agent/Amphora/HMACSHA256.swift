import CCrypto

/// HMAC-SHA256 with one key, through OpenSSL's EVP_MAC. The only file that imports CCrypto.
///
/// The context is keyed once; each `authenticate` re-initialises it with the same key (OpenSSL
/// keeps the hashed key pads), so a message costs the two SHA-256 passes and nothing else. Not
/// thread-safe: one instance per encoder.
final class HMACSHA256 {
    /// The digest length in bytes.
    static let digestLength = 32

    private let context: OpaquePointer

    /// Keys a new context with `key` (any length, as HMAC allows).
    init(key: [UInt8]) throws {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw HeartbeatError.crypto(operation: "EVP_MAC_fetch(HMAC)") }
        // The context holds its own reference to the algorithm.
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { throw HeartbeatError.crypto(operation: "EVP_MAC_CTX_new") }
        var digest = Array("SHA256".utf8CString)
        let keyed = digest.withUnsafeMutableBufferPointer { name in
            var parameters = [
                OSSL_PARAM_construct_utf8_string("digest", name.baseAddress, 0),
                OSSL_PARAM_construct_end(),
            ]
            // A zero-length key still needs a valid pointer.
            return (key.isEmpty ? [0] : key).withUnsafeBufferPointer { keyBytes in
                EVP_MAC_init(context, keyBytes.baseAddress, key.count, &parameters) == 1
            }
        }
        guard keyed else {
            EVP_MAC_CTX_free(context)
            throw HeartbeatError.crypto(operation: "EVP_MAC_init(HMAC-SHA256)")
        }
        self.context = context
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    /// Writes the 32-byte MAC of `message` to `digest`.
    func authenticate(_ message: UnsafeRawBufferPointer, into digest: UnsafeMutablePointer<UInt8>) throws {
        var length = 0
        guard EVP_MAC_init(context, nil, 0, nil) == 1,
            EVP_MAC_update(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1,
            EVP_MAC_final(context, digest, &length, HMACSHA256.digestLength) == 1,
            length == HMACSHA256.digestLength
        else { throw HeartbeatError.crypto(operation: "HMAC-SHA256") }
    }

    /// Appends the MAC of `message` as 64 lowercase hex digits at `hex`, the form Octavia sends
    /// (`hexdigest()`).
    func authenticateHex(_ message: UnsafeRawBufferPointer, into hex: UnsafeMutablePointer<UInt8>) throws {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.digestLength) { digest in
            try authenticate(message, into: digest.baseAddress!)
            let digits: StaticString = "0123456789abcdef"
            let table = digits.utf8Start
            for index in 0..<HMACSHA256.digestLength {
                let byte = Int(digest[index])
                hex[2 * index] = table[byte >> 4]
                hex[2 * index + 1] = table[byte & 0x0F]
            }
        }
    }
}
