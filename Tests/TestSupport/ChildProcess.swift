import Foundation

/// A child process whose output goes to files, not pipes: a pipe nobody drains can block
/// the child, and a daemon that inherits one keeps a reader waiting forever.
///
/// Processes started from `swift test` inherit a blocked SIGTERM, so `kill()` sends SIGKILL.
public final class ChildProcess {
    /// What a finished child left behind.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// The child was killed because it outlived its timeout.
        public let timedOut: Bool
    }

    private let process = Process()
    private let outURL: URL
    private let errURL: URL

    /// Starts @p executable with @p arguments.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kb-child-\(UUID().uuidString.prefix(8))")
        outURL = base.appendingPathExtension("out")
        errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }

    public var pid: pid_t { process.processIdentifier }

    /// What the child has written to stdout so far.
    public var stdoutSoFar: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }

    /// Waits until the child's stdout contains `text` (true), it exits, or `timeout` seconds pass.
    public func waitForOutput(_ text: String, timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdoutSoFar.contains(text) { return true }
            if !process.isRunning { return stdoutSoFar.contains(text) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Waits up to @p timeout seconds, then kills; returns status and output.
    public func wait(timeout: Double) async -> Result {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
    }

    /// Runs to completion synchronously (for fixtures that are quick).
    public static func run(_ executable: URL, _ arguments: [String], timeout: Double) throws -> Result {
        let child = try ChildProcess(executable, arguments)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while child.process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(child.pid, SIGKILL)
                break
            }
            usleep(10_000)
        }
        child.process.waitUntilExit()
        let out = (try? String(contentsOf: child.outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: child.errURL, encoding: .utf8)) ?? ""
        return Result(status: child.process.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
    }
}
