/// A ledger call that cannot be honoured: which run or resource, what was wrong, what to do.
public struct LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The closed set of ledger misuses.
    public enum Kind: Equatable, Sendable {
        /// The run id is not in the state store.
        case unknownRun
        /// The resource id is not in the state store.
        case unknownResource
        /// The resource name does not carry the run id, so it could not be found again by name.
        case nameWithoutRunID
        /// The parent belongs to another run.
        case foreignParent
        /// Every loopback range a local run could use is held by other runs or in use.
        case noLoopbackRange
    }

    /// Which misuse.
    public let kind: Kind
    /// The run or resource concerned, as the user would type it.
    public let subject: String
    /// One line: what to do about it.
    public let remedy: String

    /// Creates an error.
    public init(kind: Kind, subject: String, remedy: String) {
        self.kind = kind
        self.subject = subject
        self.remedy = remedy
    }

    /// One line: what was wrong with what, and what to do.
    public var description: String {
        switch kind {
        case .unknownRun: return "no run \(subject) in the state store; \(remedy)"
        case .unknownResource: return "no resource \(subject) in the ledger; \(remedy)"
        case .nameWithoutRunID: return "resource name \(subject) does not contain its run id; \(remedy)"
        case .foreignParent: return "parent resource \(subject) belongs to another run; \(remedy)"
        case .noLoopbackRange: return "no loopback range is free for \(subject); \(remedy)"
        }
    }
}
