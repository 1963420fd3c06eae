import CZeroMQ

/// A CURVE (Curve25519) key pair in Z85 text, as ZeroMQ and the agents' user data carry it.
///
/// DESIGN.md §4: the controller makes one pair per run for its sockets and one per agent, and
/// admits only the agent public keys it staged. `description` never shows the secret key, so a
/// key pair can be logged or interpolated safely.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The public key: 40 Z85 characters (32 bytes). Safe to share.
    public let publicKey: String
    /// The secret key: 40 Z85 characters (32 bytes). Only its owner should ever hold it.
    public let secretKey: String

    /// The number of Z85 characters in a CURVE key.
    public static let keyLength = 40

    /// Adopts a key pair received as text, checking that both keys are 40-character Z85 and that
    /// the public key is the one the secret key derives, so a pair mixed up between agents fails
    /// here instead of as a silent handshake failure later.
    public init(publicKey: String, secretKey: String) throws {
        _ = try Self.validatedKey(publicKey, role: "public key")
        _ = try Self.validatedKey(secretKey, role: "secret key")
        var derived = [CChar](repeating: 0, count: Self.keyLength + 1)
        try Zmq.call("zmq_curve_public") { zmq_curve_public(&derived, secretKey) }
        guard Zmq.string(derived) == publicKey else {
            throw LinkError.invalid(
                "CurveKeyPair", "the public key \(publicKey) does not belong to the secret key given with it; "
                    + "pass the two keys generated together")
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private init(unchecked publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from libsodium's random source (`zmq_curve_keypair`).
    public static func generate() throws -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: keyLength + 1)
        var secretText = [CChar](repeating: 0, count: keyLength + 1)
        try Zmq.requireCurve()
        try Zmq.call("zmq_curve_keypair") { zmq_curve_keypair(&publicText, &secretText) }
        return CurveKeyPair(unchecked: Zmq.string(publicText), secretKey: Zmq.string(secretText))
    }

    /// Returns the 32 key bytes of `text`, or throws naming the `role` (e.g. "server public key")
    /// and what is wrong with it.
    static func validatedKey(_ text: String, role: String) throws -> [UInt8] {
        guard text.utf8.count == keyLength else {
            throw LinkError.invalid(
                "CURVE \(role)", "expected \(keyLength) Z85 characters, got \(text.utf8.count) "
                    + "(check for stray whitespace or a truncated copy)")
        }
        guard let bytes = Z85.decode(text) else {
            throw LinkError.invalid("CURVE \(role)", "not Z85 text (ZeroMQ RFC 32 alphabet)")
        }
        return bytes
    }

    /// Shows the public key only.
    public var description: String { "CurveKeyPair(publicKey: \(publicKey), secretKey: <redacted>)" }

    /// Shows the public key only.
    public var debugDescription: String { description }
}
