/// What a cleanup of one run did, resource by resource.
public struct CleanupReport: Sendable, Equatable {
    /// One resource and what happened to it.
    public struct Entry: Sendable, Equatable {
        /// The ledger row as it was before cleanup.
        public let resource: ResourceRecord
        /// Why it was already gone, or why it could not be deleted; nil when deleted.
        public let detail: String?

        /// Creates an entry.
        public init(resource: ResourceRecord, detail: String? = nil) {
            self.resource = resource
            self.detail = detail
        }
    }

    /// The run cleaned.
    public let runID: String
    /// True when nothing was deleted: `wouldDelete` lists what a real cleanup would delete.
    public let dryRun: Bool
    /// Resources that existed and were deleted.
    public internal(set) var deleted: [Entry] = []
    /// Resources that were found gone (or not ours any more); nothing needed deleting.
    public internal(set) var alreadyGone: [Entry] = []
    /// Resources that could not be deleted, with the last reason; they stay in the ledger as
    /// failed_delete for the next cleanup.
    public internal(set) var failed: [Entry] = []
    /// For a dry run: the live resources, in the order they would be deleted.
    public internal(set) var wouldDelete: [Entry] = []

    /// An empty report.
    public init(runID: String, dryRun: Bool) {
        self.runID = runID
        self.dryRun = dryRun
    }

    /// True when nothing of the run is left (always false for a dry run with live resources).
    public var isClean: Bool { failed.isEmpty && wouldDelete.isEmpty }

    /// Lines for a person: one per resource, then a summary.
    public var lines: [String] {
        var lines: [String] = []
        func line(_ verb: String, _ entry: Entry) {
            let r = entry.resource
            let detail = entry.detail.map { ": \($0)" } ?? ""
            lines.append("  \(verb) \(r.kind) \(r.name) (\(r.id)\(r.pid.map { ", pid \($0)" } ?? ""))\(detail)")
        }
        wouldDelete.forEach { line("would delete", $0) }
        deleted.forEach { line("deleted", $0) }
        alreadyGone.forEach { line("already gone", $0) }
        failed.forEach { line("NOT deleted", $0) }
        let summary = dryRun
            ? "\(runID): \(wouldDelete.count) live resource(s) would be deleted (dry run, nothing done)"
            : failed.isEmpty
                ? "\(runID): cleaned up, nothing left (\(deleted.count) deleted, \(alreadyGone.count) had already ended by themselves)"
                : "\(runID): \(failed.count) resource(s) could NOT be deleted (\(deleted.count) deleted, \(alreadyGone.count) already gone): run `kloudbuster cleanup --run \(runID)` again"
        return [summary] + lines
    }
}
