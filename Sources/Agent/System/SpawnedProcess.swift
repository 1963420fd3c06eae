import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, owned by the agent and killed with it.
///
/// The agent links FoundationEssentials only, which has no `Process`. The child gets a clean
/// signal state (an empty mask and default dispositions): a parent started by `swift test`
/// or a supervisor may have SIGTERM blocked, and children inherit the mask, which would make
/// a polite stop impossible. Output goes to files, never to pipes nobody drains.
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The wait status once reaped; waitpid may succeed only once, so it is kept.
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` (not including argv[0]), stdin from /dev/null and
    /// stdout/stderr appended to the given files.
    public init(executable: String, arguments: [String], stdout: String, stderr: String) throws(SpawnError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // Its own process group: a Ctrl-C meant for the agent's terminal must not reach it
        // before the agent has had the chance to stop it in order.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw SpawnError(executable: executable, code: status)
        }
        pid = child
    }

    deinit {
        if !hasExited {
            kill(pid, SIGKILL)
            _ = reap(blocking: true)
        }
        killGroup(SIGKILL)
    }

    /// Whether the child has ended (and has been reaped).
    public var hasExited: Bool { reap(blocking: false) != nil }

    /// "exit status 1", "killed by signal 9", or "still running".
    public var statusText: String {
        guard let status = reap(blocking: false) else { return "still running" }
        let signal = status & 0x7f
        if signal == 0 { return "exit status \((status >> 8) & 0xff)" }
        return "killed by signal \(signal)"
    }

    /// Sends `signal` to the child if it is still running.
    public func signal(_ signal: Int32) {
        if !hasExited { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the child to end; its wait status, or nil if it still runs.
    public func wait(timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let status = reap(blocking: false) { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return reap(blocking: false)
    }

    /// Sends `signal` to the child's process group (the child leads it: it was spawned with
    /// its own group). Its descendants that outlive it stay in the group, and a group id is not
    /// handed out again while members remain, so this reaches only what the child started.
    public func killGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Whether anything of the child's process group still runs (the child, or what it forked).
    public var groupIsAlive: Bool {
        kill(-pid, 0) == 0
    }

    /// Stops the child and everything in its process group: `signal` to the group first,
    /// SIGKILL to the group after `grace`, and once the child has ended, SIGKILL to what is
    /// left of the group (nginx's workers outlive a killed master and keep listening). Returns
    /// once the child has ended.
    public func stop(signal first: Int32 = SIGTERM, grace: Duration = .seconds(5)) async {
        killGroup(first)
        if await wait(timeout: grace) == nil {
            killGroup(SIGKILL)
            _ = await wait(timeout: .seconds(5))
        }
        killGroup(SIGKILL)
    }

    private func reap(blocking: Bool) -> Int32? {
        exitStatus.withLock { exitStatus in
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) {
                exitStatus = status
            }
            return exitStatus
        }
    }
}

/// posix_spawn failed.
public struct SpawnError: Error, CustomStringConvertible {
    /// What was to be started.
    public let executable: String
    /// The errno-style code posix_spawn returned.
    public let code: Int32

    public var description: String {
        "cannot start \(executable): \(String(cString: strerror(code)))"
    }
}
