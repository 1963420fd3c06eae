/// Why a ZeroMQ link could not be set up or could not take a frame.
///
/// A struct rather than an enum because every failure carries the operation that failed and a
/// human-readable reason; `kind` is the closed set to switch on.
public struct LinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Sendable, Equatable {
        /// libzmq or the kernel failed with this `errno`; `reason` holds `zmq_strerror` text.
        case system(errno: Int32)
        /// An argument (key, endpoint, identity, topic) was rejected before it reached libzmq.
        case invalidArgument
        /// The bounded send queue is full because the peer or the network is not draining it.
        case sendQueueFull
        /// The link was closed (or its I/O thread stopped); it takes no more frames.
        case closed
        /// The libzmq on this machine was built without CURVE (libsodium) support.
        case curveUnavailable
    }

    /// The class of failure.
    public let kind: Kind
    /// What was being done: a libzmq call and its subject, e.g. `zmq_bind tcp://127.0.0.1:*`.
    public let operation: String
    /// What went wrong and, where it helps, what to do about it.
    public let reason: String

    /// Creates an error; most are made by `Zmq.error` from an `errno`.
    public init(kind: Kind, operation: String, reason: String) {
        self.kind = kind
        self.operation = operation
        self.reason = reason
    }

    /// `operation: reason`, e.g. `zmq_bind tcp://127.0.0.1:5555: Address already in use`.
    public var description: String { "\(operation): \(reason)" }

    static func invalid(_ operation: String, _ reason: String) -> LinkError {
        LinkError(kind: .invalidArgument, operation: operation, reason: reason)
    }

    static func closed(_ operation: String) -> LinkError {
        LinkError(kind: .closed, operation: operation, reason: "the link is closed; create a new one to talk again")
    }
}
