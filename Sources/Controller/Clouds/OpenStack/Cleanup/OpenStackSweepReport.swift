/// What the sweep of one cloud looked at, found and did (`OpenStackSweeper`).
public struct OpenStackSweepReport: Sendable, Equatable {
    /// One resource found, and what happened to it.
    public struct Entry: Sendable, Equatable {
        /// What it is.
        public let kind: ResourceKind
        /// Its name (a floating IP's description).
        public let name: String
        /// The cloud's id (`<user>/<name>` for a keypair).
        public let id: String
        /// Where it was found, e.g. `in project kb-…-s0`; empty for what lives in no project.
        public let place: String
        /// Why it was already gone, could not be deleted, or was spared; nil when deleted.
        public var detail: String?
    }

    /// The cloud's name in the ledger.
    public let cloudName: String
    /// True when nothing was deleted: `wouldDelete` lists what a real sweep would delete.
    public let dryRun: Bool
    /// The projects looked in, each with why it counts as this tool's.
    public internal(set) var projects: [String] = []
    /// Whether users, projects and flavors were looked for cloud-wide (admin only).
    public internal(set) var searchedIdentities = false
    /// What limited the sweep (no admin role, a tenants file project that does not exist).
    public internal(set) var notes: [String] = []
    /// Found and deleted.
    public internal(set) var deleted: [Entry] = []
    /// Found, but gone by the time it was deleted (a parent took it along).
    public internal(set) var alreadyGone: [Entry] = []
    /// Found and not deleted, with the last reason.
    public internal(set) var failed: [Entry] = []
    /// Found, named with the run id of a run whose controller is alive: left alone.
    public internal(set) var spared: [Entry] = []
    /// For a dry run: what would be deleted, in order.
    public internal(set) var wouldDelete: [Entry] = []

    /// An empty report.
    public init(cloudName: String, dryRun: Bool) {
        self.cloudName = cloudName
        self.dryRun = dryRun
    }

    /// True when everything found was deleted (spared resources do not count).
    public var isClean: Bool { failed.isEmpty }

    /// Lines for a person: a summary, where it looked, then one line per resource.
    public var lines: [String] {
        let found = deleted.count + alreadyGone.count + failed.count + wouldDelete.count
        var lines: [String] = []
        if dryRun {
            lines.append("sweep of cloud \(cloudName): \(found) leftover(s) named with a run id would be deleted (dry run, nothing done)")
        } else if found == 0 {
            lines.append("sweep of cloud \(cloudName): no leftover named with a run id")
        } else {
            lines.append("sweep of cloud \(cloudName): \(found) leftover(s) named with a run id: \(deleted.count) deleted, "
                + "\(alreadyGone.count) already gone, \(failed.count) could not be deleted")
        }
        let looked = projects.isEmpty ? "no project" : "\(projects.count) project(s): \(projects.joined(separator: "; "))"
        lines.append("  looked in \(looked)" + (searchedIdentities ? "; and, cloud-wide, at users, projects and flavors" : ""))
        notes.forEach { lines.append("  note: \($0)") }
        func line(_ verb: String, _ entry: Entry) {
            let place = entry.place.isEmpty ? "" : " \(entry.place)"
            lines.append("  \(verb) \(entry.kind) \(entry.name) (\(entry.id))\(place)\(entry.detail.map { ": \($0)" } ?? "")")
        }
        wouldDelete.forEach { line("would delete", $0) }
        deleted.forEach { line("deleted", $0) }
        alreadyGone.forEach { line("already gone", $0) }
        failed.forEach { line("NOT deleted", $0) }
        spared.forEach { line("spared", $0) }
        return lines
    }
}
