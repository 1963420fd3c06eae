#if canImport(Glibc)
import Glibc
#endif

// The one place the controller calls posix_spawn; C status codes become ProcessResourceError.
extension ProcessResource {
    /// Spawns `executable` (looked up in PATH when it has no `/`) in a new process group, with
    /// stdin from /dev/null, stdout and stderr appended to the given files, no inherited
    /// descriptors beyond those three, an empty signal mask and default signal dispositions.
    static func posixSpawn(
        name: String, executable: String, arguments: [String], environment: [String: String],
        stdout: String, stderr: String, directory: String? = nil
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // No O_CLOEXEC here: these become the child's own stdout and stderr.
        let logMode = O_WRONLY | O_CREAT | O_APPEND
        var status = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if status == 0 { status = posix_spawn_file_actions_addopen(&actions, 1, stdout, logMode, 0o600) }
        if status == 0 { status = posix_spawn_file_actions_addopen(&actions, 2, stderr, logMode, 0o600) }
        // Descriptors the controller opened without O_CLOEXEC (sockets of libraries, SQLite's
        // files on some builds) would otherwise live on in every agent and keep ports and
        // locks alive after the controller exits.
        if status == 0 { status = closeFrom(&actions, 3) }
        // The working folder marks the process and everything it starts (nginx does not
        // change folders) as the run's: cleanup finds them by it even after the agent died.
        if status == 0, let directory { status = changeDirectory(&actions, directory) }
        guard status == 0 else { throw spawnError(name, executable, "preparing the file actions", status) }

        // `swift test` and some service managers start us with SIGTERM blocked or ignored, and
        // a child inherits both: reset them so that SIGTERM stops the child.
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        status = posix_spawnattr_setflags(&attributes, Int16(flags))
        if status == 0 { status = posix_spawnattr_setpgroup(&attributes, 0) }
        if status == 0 { status = posix_spawnattr_setsigmask(&attributes, &empty) }
        if status == 0 { status = posix_spawnattr_setsigdefault(&attributes, &all) }
        guard status == 0 else { throw spawnError(name, executable, "preparing the attributes", status) }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // glibc's posix_spawn reports a failed exec (ENOENT, EACCES) as its return value.
        status = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw spawnError(name, executable, "exec", status) }
        return pid
    }

    /// Sends `signal` to the process group led by `pid` when `pid` leads one (as every process
    /// spawned here does, so nginx's workers go with their master), else to `pid` alone.
    static func killGroup(_ pid: Int32, signal: Int32) {
        if getpgid(pid) == pid {
            kill(-pid, signal)
        } else {
            kill(pid, signal)
        }
    }

    /// Reaps `pid` if it is an exited child of this process; harmless otherwise.
    static func reap(_ pid: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR {}
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+), looked up at run time for the same
    /// reason as `closeFrom`.
    private static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
            return ENOSYS
        }
        return directory.withCString { unsafeBitCast(symbol, to: AddChdir.self)(&actions, $0) }
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module
    /// does not export (it is behind _GNU_SOURCE), so it is looked up at run time.
    private static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Int32 {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else {
            // An older glibc: fall back to closing what is open now.
            return closeOpenDescriptors(&actions, from: lowest)
        }
        return unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
    }

    private static func closeOpenDescriptors(_ actions: inout posix_spawn_file_actions_t, from lowest: Int32) -> Int32 {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd >= lowest, fd != own else { continue }
            let status = posix_spawn_file_actions_addclose(&actions, fd)
            guard status == 0 else { return status }
        }
        return 0
    }

    private static func spawnError(_ name: String, _ executable: String, _ step: String, _ status: Int32) -> ProcessResourceError {
        let reason = String(cString: strerror(status))
        let remedy: String
        switch status {
        case ENOENT: remedy = "install it or give its absolute path"
        case EACCES: remedy = "check that it is executable (chmod +x) and its folder readable"
        default: remedy = "check the system limits (ulimit -u, ulimit -n) and free memory"
        }
        return ProcessResourceError(
            operation: "spawn \(executable) (\(step))", resource: name, reason: reason, remedy: remedy)
    }
}
