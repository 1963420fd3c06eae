import Foundation

extension ResourceKind {
    /// The ghost rows of one populate in an Octavia database (external id: the prefix).
    public static let octaviaGhosts: ResourceKind = "octavia_ghosts"
}

/// The ledger side of a stress test's ghost rows: recorded before populate writes anything,
/// so that `kloudbuster cleanup` removes them after a crash as it stops the agents.
///
/// The database URL (with its password) is kept next to the run's other secrets (the agents'
/// keys), in `<state-dir>/runs/<run>/octavia-db-url`, mode 0600 in a 0700 folder; the ledger
/// row holds the prefix and the masked URL.
public struct OctaviaGhostsResource: Sendable {
    /// The ledger.
    public let ledger: Ledger

    /// Resources over `ledger`.
    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Records that `prefix` is about to be populated in `url` for `runID`.
    public func intend(run runID: String, prefix: String, url: String) throws -> ResourceID {
        let file = try urlFile(runID)
        FileManager.default.createFile(atPath: file.path, contents: Data(url.utf8), attributes: [.posixPermissions: 0o600])
        let id = try ledger.intend(
            run: runID, kind: .octaviaGhosts, name: "\(runID)-\(prefix)", cloud: "octavia",
            address: OctaviaDatabaseOpener.maskPassword(url))
        try ledger.markCreated(id, externalID: prefix)
        return id
    }

    /// The URL file of `runID`.
    func urlFile(_ runID: String) throws -> URL {
        try ledger.store.runDirectory(for: runID).appendingPathComponent("octavia-db-url")
    }
}

/// Deletes a run's ghost rows with `OctaviaCleaner`, from the URL its run folder keeps.
public struct OctaviaGhostsDeleter: ResourceDeleter {
    /// `octavia_ghosts`.
    public let kind: ResourceKind = .octaviaGhosts
    private let resources: OctaviaGhostsResource

    /// A deleter over `ledger`.
    public init(ledger: Ledger) {
        resources = OctaviaGhostsResource(ledger: ledger)
    }

    /// Deletes the rows of the prefix; already gone when none is left.
    public func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        let prefix = resource.externalID ?? String(resource.name.suffix(10))
        guard OctaviaPopulator.isValidPrefix(prefix) else {
            throw OctaviaDatabaseError(
                url: resource.address ?? "?", problem: "has a ledger row \(resource.name) without a kbo-xxxxxx prefix",
                remedy: "remove its rows with `kloudbuster octavia clean --prefix` by hand")
        }
        let file = try resources.urlFile(resource.runID)
        guard let url = try? String(contentsOf: file, encoding: .utf8) else {
            throw OctaviaDatabaseError(
                url: resource.address ?? "?", problem: "cannot be reached: its URL file \(file.path) is gone",
                remedy: "run `kloudbuster octavia clean --db URL --prefix \(prefix)`")
        }
        let deleted = try await OctaviaBlocking.run { () -> Int in
            let database = try OctaviaDatabaseOpener.open(url)
            return try OctaviaCleaner(database: database).clean(prefix: prefix).values.reduce(0, +)
        }
        return deleted > 0 ? .deleted : .alreadyGone("no row of \(prefix) left")
    }
}
