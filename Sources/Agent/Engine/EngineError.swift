/// A failure reported by the C load engine, with the engine's own one-line explanation.
///
/// The engine returns an `hg_status` and fills a message buffer; `LoadEngine` turns both into
/// this error in one place, so callers switch on `kind` and show `description`.
public struct EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The closed set of engine statuses (the non-zero `hg_status` values).
    public enum Kind: Equatable, Sendable {
        /// The configuration cannot work; the message says which field and why.
        case invalidConfiguration
        /// The target host name did not resolve.
        case unresolvableHost
        /// The engine could not allocate memory.
        case outOfMemory
        /// The TLS library could not be set up (certificates, context).
        case tls
        /// A system call failed (epoll, eventfd, pthread); the message names it.
        case system
        /// The call is not valid in the engine's current state (e.g. a second start).
        case wrongState
        /// A status this Swift code does not know: the header and the engine disagree.
        case unknown(Int32)
    }

    /// Which failure.
    public let kind: Kind
    /// The engine call that failed, e.g. "hg_engine_create".
    public let operation: String
    /// The engine's message (one line), or a fallback when it gave none.
    public let message: String

    /// Creates an error; `message` should be one line.
    public init(kind: Kind, operation: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.message = message
    }

    /// True for failures caused by what the user asked for (bad target or configuration) rather
    /// than by this machine; the command line reports those as usage errors.
    public var isUsageError: Bool {
        kind == .invalidConfiguration || kind == .unresolvableHost
    }

    /// One line: what failed and what to do.
    public var description: String {
        switch kind {
        case .invalidConfiguration:
            return "\(message); change the options and try again"
        case .unresolvableHost:
            return "\(message); check the host name in the URL, or give a numeric address"
        case .outOfMemory:
            return "\(operation): out of memory (\(message)); use fewer connections"
        case .tls:
            return "\(operation): TLS setup failed: \(message)"
        case .system:
            return "\(operation): \(message); check system limits (ulimit -n, threads)"
        case .wrongState:
            return "\(operation): \(message) (a bug in the caller: each engine starts once)"
        case .unknown(let status):
            return "\(operation) returned unknown status \(status): \(message)"
        }
    }
}
