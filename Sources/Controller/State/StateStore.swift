import Foundation
import GRDB

/// The controller's durable memory: one SQLite database, `<state-dir>/kloudbuster.sqlite`, that
/// holds every run, every resource a run created (the ledger) and the measured intervals.
///
/// It is the only thing `kloudbuster cleanup` has after a crash, so it is written before
/// anything it describes exists (see `Ledger.intend`). The database is in WAL mode so that
/// `kloudbuster runs list` in another terminal reads while a run writes, and it is synchronous
/// `FULL` because OpenStack resources outlive a power cut of the controller's host.
public final class StateStore: Sendable {
    /// The name of the database file inside the state directory.
    public static let databaseFileName = "kloudbuster.sqlite"

    /// The state directory (`~/.kloudbuster` unless told otherwise).
    public let directory: URL
    /// The database file.
    public let databaseURL: URL
    /// The GRDB connection pool; one writer, concurrent readers.
    let pool: DatabasePool

    /// Opens the store in `directory`, creating the directory (mode 0700) and the database
    /// (mode 0600: it holds configurations, which may carry credentials) when missing, and
    /// migrating the schema to the current version.
    ///
    /// - Throws: `StateStoreError` naming the path and what to do when the directory cannot be
    ///   created or the database cannot be opened or migrated.
    public init(directory: URL) throws {
        self.directory = directory.standardizedFileURL
        self.databaseURL = self.directory.appendingPathComponent(Self.databaseFileName)
        try Self.createPrivateDirectory(self.directory)
        try Self.createPrivateFile(databaseURL)
        do {
            // Qualified: the controller has its own `Configuration` (the run's YAML).
            var configuration = GRDB.Configuration()
            configuration.foreignKeysEnabled = true
            // A second controller or `kloudbuster cleanup` may hold the write lock for a moment.
            configuration.busyMode = .timeout(10)
            configuration.label = "kloudbuster-state"
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try Self.openPool(path: databaseURL.path, configuration: configuration)
        } catch let error as StateStoreError {
            throw error
        } catch {
            throw StateStoreError(
                path: databaseURL.path, operation: "open the state database",
                reason: "\(error)",
                remedy: "check that the file is a KloudBuster state database and is not used by a newer version, or give another --state-dir")
        }
    }

    /// Opens the pool and migrates the schema under an exclusive `flock` on
    /// `<state-dir>/kloudbuster.lock`: two controllers started at the same moment on a fresh
    /// state directory would otherwise both switch it to WAL (one gets SQLITE_BUSY) and both
    /// apply the first migration (GRDB's migrator reads what is applied outside the lock).
    private static func openPool(path: String, configuration: GRDB.Configuration) throws -> DatabasePool {
        let lockPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("kloudbuster.lock").path
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if fd >= 0 { close(fd) } }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

    /// Opens the store only when `directory` already holds a database; nil otherwise, so that
    /// read-only commands (`runs list`) do not create state directories from typos.
    public static func openExisting(directory: URL) throws -> StateStore? {
        let file = directory.standardizedFileURL.appendingPathComponent(databaseFileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return try StateStore(directory: directory)
    }

    /// The folder of one run's files (process logs, reports): `<state-dir>/runs/<run-id>/`,
    /// created (mode 0700) on first use.
    public func runDirectory(for runID: String) throws -> URL {
        let runs = directory.appendingPathComponent("runs")
        try Self.createPrivateDirectory(runs)
        let run = runs.appendingPathComponent(runID)
        try Self.createPrivateDirectory(run)
        return run
    }

    /// The schema version the database is at (the last applied migration's name).
    public func schemaVersion() throws -> String? {
        try pool.read { db in try Self.migrator.appliedMigrations(db).last }
    }

    /// Runs `body` in one write transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }

    /// Runs `body` on a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    private static func createPrivateDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StateStoreError(
                    path: url.path, operation: "use the state directory", reason: "it is a file",
                    remedy: "give a directory with --state-dir or KB_STATE_DIR")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateStoreError(
                path: url.path, operation: "create the state directory",
                reason: FileProblem(.createDirectory, path: url.path, error: error).reason,
                remedy: "give a writable directory with --state-dir or KB_STATE_DIR")
        }
    }

    private static func createPrivateFile(_ url: URL) throws {
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        // SQLite gives its -wal and -shm files the database file's mode, so setting it here
        // covers all three.
        guard FileManager.default.createFile(
            atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw StateStoreError(
                path: url.path, operation: "create the state database", reason: "the file could not be created",
                remedy: "give a writable directory with --state-dir or KB_STATE_DIR")
        }
    }
}
