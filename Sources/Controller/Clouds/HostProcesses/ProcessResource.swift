import Foundation

/// Starts and stops the local cloud's processes (agents, nginx) so that the ledger always
/// knows them: a process is recorded before it is spawned and its pid and start time right
/// after, so `kloudbuster cleanup` can stop it after a controller crash, and never stops an
/// unrelated process that inherited its pid.
///
/// Each process gets its own process group (a Ctrl-C in the controller's terminal reaches the
/// controller only, which then stops its processes in order), stdin from /dev/null, stdout and
/// stderr appended to `<state-dir>/runs/<run-id>/<name>.stdout.log` and `.stderr.log`, no
/// descriptor of the controller's, default signal dispositions and an empty signal mask.
public struct ProcessResource: Sendable {
    /// The environment variable that marks a spawned process with its ledger row
    /// (`<run-id>/<resource-id>`), so cleanup can find it even if its pid was never recorded.
    public static let markerVariable = "KB_LEDGER_RESOURCE"
    /// The cloud name the local cloud records its resources under.
    public static let cloud = "local"

    /// The ledger every process is recorded in.
    public let ledger: Ledger

    /// Processes recorded in `ledger`.
    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Records, then spawns, a process for `run`, and returns its ledger row (state `created`,
    /// with pid and start time).
    ///
    /// - Parameters:
    ///   - run: the run it belongs to.
    ///   - name: its resource name: must contain the run id, and name its log files, so no `/`.
    ///   - executable: an absolute path, or a name looked up in `PATH`.
    ///   - arguments: the arguments after the program name.
    ///   - environment: variables added to (or replacing) the controller's environment.
    ///   - parent: the resource it depends on, if any (deleted after it).
    ///   - address: the loopback address it serves on, if any.
    ///   - directory: its working folder, if not the controller's; every process it starts
    ///     inherits it, which is how cleanup finds them (`ProcessSweep`).
    ///   - cloud: the cloud recorded for it (`local`; the qemu cloud's VMs say `qemu`).
    /// - Throws: `LedgerError` when it cannot be recorded (nothing is spawned then), and
    ///   `ProcessResourceError` when it cannot be spawned (the row is then marked deleted).
    public func spawn(
        run: String, name: String, executable: String, arguments: [String] = [],
        environment: [String: String] = [:], parent: ResourceID? = nil, address: String? = nil,
        directory: String? = nil, cloud: String = Self.cloud
    ) throws -> ResourceRecord {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw ProcessResourceError(
                operation: "spawn \(executable)", resource: name,
                reason: "the name also names its log files and cannot contain \"/\"",
                remedy: "give a name such as \(run)-server-0")
        }
        let logs = try logFiles(run: run, name: name)
        let id = try ledger.intend(
            run: run, kind: .process, name: name, cloud: cloud, parent: parent, address: address)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        env[Self.markerVariable] = Self.marker(run: run, id: id)
        let pid: Int32
        do {
            pid = try Self.posixSpawn(
                name: name, executable: executable, arguments: [executable] + arguments, environment: env,
                stdout: logs.stdout.path, stderr: logs.stderr.path, directory: directory)
        } catch {
            try? ledger.markDeleted(id, note: "never started: \(error)")
            throw error
        }
        // The child cannot have been reaped yet (only this process may reap it), so its stat
        // is readable even if it already exited; when it is not (no descriptor left: EMFILE),
        // the process cannot be told from a recycled pid later, so it must not live on.
        guard let startTime = ProcessStat.read(pid: pid)?.startTime else {
            let reason = String(cString: strerror(errno))
            Self.killGroup(pid, signal: SIGKILL)
            Self.reap(pid)
            try? ledger.markDeleted(id, note: "stopped at once: /proc/\(pid)/stat could not be read (\(reason))")
            throw ProcessResourceError(
                operation: "record \(executable)", resource: name,
                reason: "/proc/\(pid)/stat could not be read right after the spawn (\(reason)), so the process was stopped",
                remedy: errno == EMFILE || errno == ENFILE
                    ? "the controller ran out of file descriptors: raise `ulimit -n` or stage fewer agents"
                    : "check that /proc is mounted and readable")
        }
        do {
            try ledger.markCreated(id, pid: pid, pidStartTime: startTime)
        } catch {
            // An unrecorded process is exactly what the ledger exists to prevent.
            Self.killGroup(pid, signal: SIGKILL)
            Self.reap(pid)
            try? ledger.markDeleted(id, note: "stopped at once: its pid could not be recorded: \(error)")
            throw error
        }
        guard let record = try ledger.resource(id) else { throw Ledger.unknownResource(id) }
        return record
    }

    /// Stops a recorded process and records it deleted: SIGTERM to its process group, up to
    /// `grace` to exit, then SIGKILL. A pid whose start time differs from the recorded one
    /// belongs to someone else now: it is not signalled, and the row is marked deleted.
    ///
    /// - Returns: `.deleted` when it was stopped, `.alreadyGone` with the reason otherwise.
    /// - Throws: `ProcessResourceError` when it survives SIGKILL (the row is marked
    ///   failed_delete), or a ledger error.
    @discardableResult
    public func terminate(_ resource: ResourceRecord, grace: Duration = .seconds(5)) async throws -> DeletionOutcome {
        try ledger.markDeleting(resource.id)
        do {
            let outcome = try await stop(resource, grace: grace)
            try ledger.markDeleted(resource.id, note: outcome.note)
            return outcome
        } catch let error as ProcessResourceError {
            try ledger.markDeleteFailed(resource.id, error: error.description)
            throw error
        }
    }

    /// The files a process's stdout and stderr are appended to.
    public func logFiles(run: String, name: String) throws -> (stdout: URL, stderr: URL) {
        let folder = try ledger.store.runDirectory(for: run)
        return (folder.appendingPathComponent("\(name).stdout.log"), folder.appendingPathComponent("\(name).stderr.log"))
    }

    /// The marker value for a ledger row.
    static func marker(run: String, id: ResourceID) -> String {
        "\(run)/\(id.rawValue)"
    }
}
