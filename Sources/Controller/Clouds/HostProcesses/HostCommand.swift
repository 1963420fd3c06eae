import Foundation

/// A short command the controller runs on this machine and waits for (`ip`, `qemu-img`,
/// `genisoimage`): its output is captured, its time is bounded, and a failure is an error
/// that names the command and quotes what it printed.
///
/// The wait happens on a thread of its own, never on the cooperative pool (two threads here).
public struct HostCommand: Sendable {
    /// The program, an absolute path or a name looked up in `PATH`.
    public let executable: String
    /// Its arguments.
    public let arguments: [String]
    /// The most it may take before it is killed.
    public let timeout: Duration

    /// A command line.
    public init(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(30)) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
    }

    /// `executable arguments...`, for messages.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs it and returns its standard output.
    ///
    /// - Throws: `HostCommandError` when it cannot start, exits non-zero or times out.
    @discardableResult
    public func run() async throws -> String {
        let command = self
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try command.runBlocking() })
            }
        }
    }

    /// Runs it on the calling thread: only from a thread that may block.
    public func runBlocking() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : Self.lookUp(executable) ?? executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw HostCommandError(command: commandLine, problem: "could not start: \(error.localizedDescription)")
        }
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000))
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: timer)
        // Read both pipes before waiting: a full pipe would stall the command forever.
        let errorData = ReadAll(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let stdout = String(decoding: outputData, as: UTF8.self)
        let stderr = String(decoding: errorData.wait(), as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            throw HostCommandError(command: commandLine, problem: "stopped after \(timeout) (signal \(process.terminationStatus))", output: stderr)
        }
        guard process.terminationStatus == 0 else {
            throw HostCommandError(command: commandLine, problem: "exit status \(process.terminationStatus)", output: stderr.isEmpty ? stdout : stderr)
        }
        return stdout
    }

    /// The first `name` in `PATH` (plus the sbin folders, which a root shell has but a service
    /// may lack) that is executable.
    public static func lookUp(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        let folders = (path ?? "").split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Reads a pipe to its end on a thread of its own.
    private final class ReadAll: @unchecked Sendable {
        // Written once by the reading thread before the semaphore is signalled, read after.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}

/// A host command that failed.
public struct HostCommandError: Error, CustomStringConvertible, Sendable {
    /// The command line.
    public let command: String
    /// What went wrong: `exit status 2`, `could not start: ...`.
    public let problem: String
    /// What it printed (standard error, else standard output), trimmed.
    public let output: String

    /// An error for `command`.
    public init(command: String, problem: String, output: String = "") {
        self.command = command
        self.problem = problem
        self.output = output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ip netns add x: exit status 1: Cannot create namespace file ...`.
    public var description: String {
        let tail = output.split(separator: "\n").suffix(3).joined(separator: " / ")
        return "\(command): \(problem)" + (tail.isEmpty ? "" : ": \(tail)")
    }
}
