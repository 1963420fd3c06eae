/// Why a heartbeat could not be built, sent or read.
public enum HeartbeatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The signed datagram would be `bytes` long, over the 65,507 bytes one UDP datagram can
    /// carry. Nothing is sent: a truncated heartbeat is just a bad signature to the receiver.
    case datagramTooLarge(bytes: Int)
    /// The message got `got` listener counters for a template with `expected` listeners.
    case statsCount(expected: Int, got: Int)
    /// A received datagram of `bytes` bytes is too short to hold a zlib stream and a signature.
    case tooShort(bytes: Int)
    /// The HMAC-SHA256 at the end of a received datagram does not match its payload and key.
    case badSignature
    /// The payload is not one complete zlib stream (with header) of a sane size; says what.
    case malformed(String)
    /// A zlib call returned `code` (zlib.h's Z_* values).
    case zlib(operation: String, code: Int32)
    /// An OpenSSL call failed.
    case crypto(operation: String)
    /// A socket call failed with `errno`.
    case socket(operation: String, errno: Int32)

    /// One line naming what failed and, where the caller can act on it, what to do.
    public var description: String {
        switch self {
        case .datagramTooLarge(let bytes):
            return "heartbeat of \(bytes) bytes is over the 65507-byte UDP datagram limit "
                + "(fewer listeners, pools or members per amphora)"
        case .statsCount(let expected, let got):
            return "heartbeat needs counters for \(expected) listeners, got \(got)"
        case .tooShort(let bytes):
            return "heartbeat datagram of \(bytes) bytes is too short (zlib stream + 64 hex digits of HMAC)"
        case .badSignature:
            return "heartbeat HMAC-SHA256 does not match (wrong key, or corrupted datagram)"
        case .malformed(let what):
            return "heartbeat payload is not a valid zlib stream: \(what)"
        case .zlib(let operation, let code):
            return "zlib \(operation) failed with code \(code)"
        case .crypto(let operation):
            return "OpenSSL \(operation) failed"
        case .socket(let operation, let errno):
            return "\(operation) failed: errno \(errno)"
        }
    }
}
