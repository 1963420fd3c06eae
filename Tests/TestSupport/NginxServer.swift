import Foundation

/// A real nginx on 127.0.0.1, started and stopped through `scripts/nginx.sh` in its own
/// temporary folder, so tests load the same server users do.
public final class NginxServer {
    /// Options of `scripts/nginx.sh start`.
    public struct Options {
        public var workers = 1
        public var workerConnections = 1024
        public var tls = false
        public var accessLog = false

        public init(workers: Int = 1, workerConnections: Int = 1024, tls: Bool = false, accessLog: Bool = false) {
            self.workers = workers
            self.workerConnections = workerConnections
            self.tls = tls
            self.accessLog = accessLog
        }
    }

    public let directory: URL
    public let port: Int
    public let tlsPort: Int?

    /// Repository root, found from this file's path (Tests/TestSupport/...).
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public init(_ options: Options = Options()) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kb-nginx-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["start", directory.path, "--workers", "\(options.workers)",
                         "--worker-connections", "\(options.workerConnections)"]
        if options.tls { arguments.append("--tls") }
        if options.accessLog { arguments.append("--access-log") }
        let output = try Self.script(arguments)
        var values: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        guard let port = values["PORT"] else {
            throw FixtureError("nginx.sh start printed no PORT: \(output)")
        }
        self.port = port
        self.tlsPort = values["TLS_PORT"]
    }

    deinit {
        _ = try? Self.script(["stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// `http://127.0.0.1:PORT` + path.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Lines nginx wrote to its access log (one per request, `--access-log` only).
    public func accessLogLines() throws -> [Substring] {
        let text = try String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)
        return text.split(separator: "\n")
    }

    /// PIDs of the worker processes.
    public func workerPIDs() throws -> [pid_t] {
        try Self.script(["worker-pids", directory.path]).split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Runs `scripts/nginx.sh` with output in a file (a pipe could be held open by the daemon).
    @discardableResult
    public static func script(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/bin/bash"),
            [repository.appendingPathComponent("scripts/nginx.sh").path] + arguments,
            timeout: 30)
        guard result.status == 0 else {
            throw FixtureError("nginx.sh \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}

/// A test fixture could not be set up; the message says which and why.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
