#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The `http-server` role: a real nginx, configured for the run and owned by the agent.
///
/// nginx runs in the foreground (`daemon off`) as the agent's child, so the agent knows its
/// pid without trusting a pid file and nginx cannot outlive an agent that is killed: the
/// controller's ledger records the agent, and stopping the agent's process group stops both.
public actor HTTPServerRole {
    private enum State {
        case idle
        case serving(SpawnedProcess)
        case stopped
    }

    /// The configuration nginx runs with.
    public let configuration: NginxConfiguration
    private let nginx: String
    private var state = State.idle
    /// Requests the role itself sent to nginx (readiness checks, status polls): nginx counts
    /// them in stub_status too, and the run compares nginx's count with the clients'.
    private var ownRequests: UInt64 = 0

    /// A role for `configuration`; `nginx` is the binary (found on PATH or in /usr/sbin when nil).
    public init(configuration: NginxConfiguration, nginx: String? = nil) {
        self.configuration = configuration
        self.nginx = nginx ?? HTTPServerRole.findNginx()
    }

    /// Writes the configuration and the page, starts nginx and returns once it answers on its
    /// address (within `readiness`); throws with nginx's own error log when it does not.
    public func start(readiness: Duration = .seconds(10)) async throws(HTTPServerError) {
        guard case .idle = state else { fatalError("HTTPServerRole.start called twice") }
        let directory = configuration.directory
        do throws(PlainFile.Failure) {
            for folder in ["", "/html", "/tmp"] {
                try PlainFile.makeDirectories(directory + folder)
            }
            try PlainFile.write(Array(configuration.text.utf8), to: configuration.configurationPath)
            try PlainFile.write(configuration.page, to: configuration.pagePath)
        } catch {
            throw HTTPServerError(reason: "nginx's files: \(error); give a work folder this user may write")
        }
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: nginx,
                arguments: ["-p", directory, "-c", configuration.configurationPath, "-g", "daemon off;"],
                stdout: directory + "/nginx.out", stderr: directory + "/nginx.err")
        } catch {
            throw HTTPServerError(reason: "\(error); install nginx (apt-get install nginx-light)")
        }
        state = .serving(process)

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: readiness)
        while clock.now < deadline {
            if process.hasExited {
                state = .stopped
                throw HTTPServerError(reason: "nginx exited at start: \(errorLog())")
            }
            if let response = await LoopbackHTTP.get(
                address: configuration.address, port: configuration.port, path: "/nginx_status",
                timeout: .milliseconds(500)) {
                ownRequests += 1
                if response.status == 200 { return }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await process.stop(signal: SIGQUIT, grace: .seconds(2))
        state = .stopped
        throw HTTPServerError(
            reason: "nginx did not answer on \(configuration.address):\(configuration.port) within \(readiness): \(errorLog())")
    }

    /// nginx's counters now, with `requests` counting the clients' requests only (the role's
    /// own status requests, this one included, are taken out); nil when nginx does not answer.
    public func counters() async -> StubStatus? {
        guard case .serving = state else { return nil }
        guard let response = await LoopbackHTTP.get(
            address: configuration.address, port: configuration.port, path: "/nginx_status")
        else { return nil }
        ownRequests += 1
        guard response.status == 200, var status = StubStatus(parsing: String(decoding: response.body, as: UTF8.self))
        else { return nil }
        status.requests -= min(status.requests, ownRequests)
        return status
    }

    /// Whether nginx's master has ended on its own (killed, crashed). Its workers would keep
    /// listening without it, so they are killed here; the role is stopped and says why.
    public func masterExited() -> String? {
        guard case .serving(let process) = state, process.hasExited else { return nil }
        state = .stopped
        process.killGroup(SIGKILL)
        return "nginx (pid \(process.pid)) exited on its own (\(process.statusText)); its workers were killed: \(errorLog())"
    }

    /// The pid of the nginx master, while it serves.
    public var pid: pid_t? {
        if case .serving(let process) = state { return process.pid }
        return nil
    }

    /// Stops nginx: a graceful QUIT (in-flight responses finish), then KILL after `grace`.
    public func stop(grace: Duration = .seconds(5)) async {
        guard case .serving(let process) = state else {
            state = .stopped
            return
        }
        state = .stopped
        await process.stop(signal: SIGQUIT, grace: grace)
    }

    private func errorLog() -> String {
        let text = (try? String(contentsOfFile: configuration.directory + "/error.log", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: configuration.directory + "/nginx.err", encoding: .utf8)) ?? ""
        let lines = (text + stderr).split(separator: "\n").suffix(3).joined(separator: " | ")
        return lines.isEmpty ? "nginx wrote nothing to its logs" : lines
    }

    private static func findNginx() -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":") + ["/usr/sbin", "/usr/local/sbin"] {
            let candidate = "\(folder)/nginx"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return "/usr/sbin/nginx"
    }
}

/// The http-server role could not start nginx; the reason includes nginx's own words.
public struct HTTPServerError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    public let reason: String
    public var description: String { "http-server: \(reason)" }
}
