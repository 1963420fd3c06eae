import Foundation
import GRDB

/// The record of every run and every resource it creates, kept so that nothing a run creates
/// can leak: not a crash, not a signal, not a failed deletion.
///
/// The protocol (DESIGN.md §3 step 2): `intend` writes the row in `creating` *before* the call
/// that creates the resource; `markCreated` adds what the cloud returned (uuid, pid) as soon
/// as it returns. A crash between the two leaves a `creating` row, which cleanup resolves by
/// the resource's name, which carries the run id. Every method commits before it returns.
public struct Ledger: Sendable {
    /// The store the ledger writes to.
    public let store: StateStore

    /// A ledger over `store`.
    public init(store: StateStore) {
        self.store = store
    }

    // MARK: Runs

    /// Records a new run in `staging`, owned by this process, with a fresh id.
    public func newRun(label: String?, cloud: String, configYAML: String) throws -> RunRecord {
        let owner = ProcessIdentity.current
        return try store.write { db in
            // Two runs started in the same minute collide with odds 1 in 65536; draw again.
            while true {
                let run = RunRecord(
                    id: RunID.make(), label: label, cloud: cloud, configYAML: configYAML, status: .staging,
                    startedAt: Date(), endedAt: nil, resultJSON: nil,
                    controllerPID: owner?.pid ?? getpid(), controllerStartTime: owner?.startTime)
                if try RunRecord.exists(db, key: run.id) { continue }
                try run.insert(db)
                return run
            }
        }
    }

    /// Moves a run to `status`; a run that ends (done, failed, interrupted) gets its end time
    /// the first time it ends.
    public func setRunStatus(_ runID: String, _ status: RunStatus) throws {
        try store.write { db in
            let endedAt: Date? = status.isActive ? nil : Date()
            try db.execute(
                literal: """
                    UPDATE run SET status = \(status), ended_at = COALESCE(ended_at, \(endedAt))
                    WHERE id = \(runID)
                    """)
            try Self.requireChange(db, run: runID)
        }
    }

    /// Stores the run's result document (JSON).
    public func storeResult(run runID: String, json: String) throws {
        try store.write { db in
            try db.execute(literal: "UPDATE run SET result_json = \(json) WHERE id = \(runID)")
            try Self.requireChange(db, run: runID)
        }
    }

    /// Stores one interval; storing the same (run, stage, index) again replaces it.
    public func storeInterval(_ interval: IntervalRecord) throws {
        try store.write { db in
            guard try RunRecord.exists(db, key: interval.runID) else {
                throw Self.unknownRun(interval.runID)
            }
            try interval.insert(db, onConflict: .replace)
        }
    }

    // MARK: Resources

    /// Records that a resource is about to be created, and returns its ledger id. Call it
    /// *before* the call that creates the resource, and `markCreated` right after that call.
    ///
    /// - Parameters:
    ///   - run: the run creating it.
    ///   - kind: what it is; the cleaner deletes it with the deleter for this kind.
    ///   - name: its name in the cloud, which must contain the run id.
    ///   - cloud: the cloud it lives in.
    ///   - parent: a resource that must be deleted after it (its network, its tenant).
    ///   - address: the address it will have, if known now.
    /// - Throws: `LedgerError` for an unknown run or parent, or a name without the run id.
    public func intend(
        run runID: String, kind: ResourceKind, name: String, cloud: String,
        parent: ResourceID? = nil, address: String? = nil
    ) throws -> ResourceID {
        guard name.contains(runID) else {
            throw LedgerError(
                kind: .nameWithoutRunID, subject: "\"\(name)\"",
                remedy: "put \(runID) in the name so cleanup can find the resource after a crash")
        }
        return try store.write { db in
            guard try RunRecord.exists(db, key: runID) else { throw Self.unknownRun(runID) }
            if let parent {
                guard let parentRun = try String.fetchOne(
                    db, sql: "SELECT run_id FROM resource WHERE id = ?", arguments: [parent])
                else { throw Self.unknownResource(parent) }
                guard parentRun == runID else {
                    throw LedgerError(
                        kind: .foreignParent, subject: "\(parent) (run \(parentRun))",
                        remedy: "give a parent created by run \(runID)")
                }
            }
            let id = try SQLRequest<ResourceID>(
                literal: """
                    INSERT INTO resource (run_id, kind, name, cloud, parent_id, address, state, created_at)
                    VALUES (\(runID), \(kind), \(name), \(cloud), \(parent), \(address),
                            \(ResourceState.creating), \(Date()))
                    RETURNING id
                    """
            ).fetchOne(db)
            return id!
        }
    }

    /// Records that the resource exists, with what the cloud returned for it.
    public func markCreated(
        _ id: ResourceID, externalID: String? = nil, pid: Int32? = nil, pidStartTime: Int64? = nil
    ) throws {
        // Always `created`, even over `deleted`: if a cleanup raced the creation and found
        // nothing, the resource exists now, and the ledger must say so or it leaks.
        try update(id, """
            state = \(ResourceState.created), deleted_at = NULL,
            external_id = COALESCE(\(externalID), external_id),
            pid = COALESCE(\(pid), pid), pid_start_time = COALESCE(\(pidStartTime), pid_start_time)
            """)
    }

    /// Records that the resource's deletion has started.
    public func markDeleting(_ id: ResourceID) throws {
        try update(id, "state = \(ResourceState.deleting)")
    }

    /// Records that the resource is gone; `note` says how, when it was not a plain deletion
    /// (found gone, pid recycled, never created).
    public func markDeleted(_ id: ResourceID, note: String? = nil) throws {
        try update(id, "state = \(ResourceState.deleted), deleted_at = \(Date()), error = COALESCE(\(note), error)")
    }

    /// Records that deleting the resource failed, and why; it stays live for the next cleanup.
    public func markDeleteFailed(_ id: ResourceID, error: String) throws {
        try update(id, "state = \(ResourceState.failedDelete), error = \(error)")
    }

    private func update(_ id: ResourceID, _ assignments: SQL) throws {
        try store.write { db in
            try db.execute(literal: "UPDATE resource SET \(assignments) WHERE id = \(id)")
            guard db.changesCount > 0 else { throw Self.unknownResource(id) }
        }
    }

    private static func requireChange(_ db: Database, run runID: String) throws {
        guard db.changesCount > 0 else { throw unknownRun(runID) }
    }

    static func unknownRun(_ runID: String) -> LedgerError {
        LedgerError(kind: .unknownRun, subject: runID, remedy: "list the known runs with `kloudbuster runs list`")
    }

    static func unknownResource(_ id: ResourceID) -> LedgerError {
        LedgerError(kind: .unknownResource, subject: "\(id)", remedy: "this is a bug in the caller: use an id from intend()")
    }
}
