import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The one place where libzmq's (and the kernel's) "-1 and errno" convention becomes a thrown
/// `LinkError`. Every C call in this folder that can fail goes through `call` or `attempt`.
enum Zmq {
    /// Runs `body` until it stops failing with EINTR (a signal interrupted a blocking call, which
    /// is not a failure) and throws `LinkError` for any other failure; returns the non-negative
    /// result.
    @discardableResult
    static func call(_ operation: @autoclosure () -> String, _ body: () -> Int32) throws -> Int32 {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = zmq_errno()
            if code == EINTR { continue }
            throw error(operation(), code: code)
        }
    }

    /// Like `call`, but a non-blocking call that would block (EAGAIN) returns nil instead of
    /// throwing: on a `ZMQ_DONTWAIT` socket call that is the normal "nothing now" answer.
    static func attempt(_ operation: @autoclosure () -> String, _ body: () -> Int32) throws -> Int32? {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return nil }
            throw error(operation(), code: code)
        }
    }

    /// The `LinkError` for `code`; `zmq_strerror` also knows every kernel errno.
    static func error(_ operation: String, code: Int32) -> LinkError {
        LinkError(kind: .system(errno: code), operation: operation, reason: String(cString: zmq_strerror(code)))
    }

    /// The text in a NUL-terminated C buffer the caller filled.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Fails unless this libzmq can do CURVE: without libsodium every key would be refused at
    /// `zmq_setsockopt` time with a less helpful EINVAL.
    static func requireCurve() throws {
        guard zmq_has("curve") == 1 else {
            throw LinkError(
                kind: .curveUnavailable, operation: "zmq_has curve",
                reason: "libzmq was built without CURVE; install a libzmq linked against libsodium (Debian's libzmq5 is)")
        }
    }
}
