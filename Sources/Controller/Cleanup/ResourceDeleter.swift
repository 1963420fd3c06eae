/// What deleting a resource found.
public enum DeletionOutcome: Equatable, Sendable {
    /// It existed and was deleted.
    case deleted
    /// It did not exist (any more, or ever), or what has its id now is not ours; the reason
    /// says which. Nothing was deleted, and nothing needs to be.
    case alreadyGone(String)

    /// The reason for `alreadyGone`, for the ledger's error column; nil for `deleted`.
    public var note: String? {
        switch self {
        case .deleted: return nil
        case .alreadyGone(let reason): return "already gone: \(reason)"
        }
    }
}

/// Deletes resources of one kind, from their ledger rows alone (after a crash there is
/// nothing else). Each cloud driver supplies one per kind it creates: the local cloud the
/// `process` deleter, OpenStack its projects, routers, networks, servers, ...
///
/// A deleter does not write the ledger; the `Cleaner` does, around each call.
public protocol ResourceDeleter: Sendable {
    /// The kind of resource it deletes.
    var kind: ResourceKind { get }

    /// Deletes the resource, or finds it gone. Must be idempotent: it is retried after a
    /// failure and may be called again for a resource that is already gone.
    ///
    /// - Throws: an error whose description says why it could not be deleted and what to do;
    ///   the cleaner retries, then records it as failed_delete.
    func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome
}
