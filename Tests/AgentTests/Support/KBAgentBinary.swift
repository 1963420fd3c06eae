import Foundation
import KBTestSupport

/// The built `kb-agent` executable and the JSON its `load --json` prints.
enum KBAgentBinary {
    /// Next to the test bundle (same build folder), else `.build/debug` of the repository.
    static let url: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("kb-agent")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return NginxServer.repository.appendingPathComponent(".build/debug/kb-agent")
    }()

    /// Starts `kb-agent ARGS` as a child process.
    static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(url, arguments)
    }

    /// Runs `kb-agent load ARGS --json` to the end and decodes its result; throws unless it
    /// exits with `status` (0: the run stands; 1: every request failed; 3: not trustworthy).
    static func load(_ arguments: [String], status: Int32 = 0, timeout: Double = 60) async throws -> LoadJSON {
        try await loadWithOutput(arguments, status: status, timeout: timeout).json
    }

    /// As `load`, also returning what the process printed (its stderr carries the verdict).
    static func loadWithOutput(
        _ arguments: [String], status: Int32 = 0, timeout: Double = 60
    ) async throws -> (json: LoadJSON, run: ChildProcess.Result) {
        let child = try start(["load"] + arguments + ["--json"])
        let result = await child.wait(timeout: timeout)
        guard result.status == status, !result.timedOut else {
            throw FixtureError("kb-agent load \(arguments) exited \(result.status), expected \(status) (timed out: \(result.timedOut)): \(result.stderr)")
        }
        return (try LoadJSON.decode(result.stdout), result)
    }
}

/// The `kb-agent load --json` object, as the issue specifies it.
struct LoadJSON: Decodable {
    struct Errors: Decodable {
        let connect: UInt64
        let read: UInt64
        let write: UInt64
        let timeout: UInt64
        let status: UInt64
        let parse: UInt64
        var total: UInt64 { connect + read + write + timeout + status + parse }
    }
    struct Latency: Decodable {
        let p50: Int64
        let p75: Int64
        let p90: Int64
        let p99: Int64
        let p99_9: Int64
        let p99_99: Int64
        let p99_999: Int64
        let max: Int64
        let mean: Double
    }
    struct Interval: Decodable {
        let requests: UInt64
    }
    struct CPU: Decodable {
        let user_s: Double
        let sys_s: Double
    }
    let requests: UInt64
    let duration_s: Double
    let rps: Double
    let bytes_read: UInt64
    let errors: Errors
    let error_reasons: [String: String]
    let status_codes: [String: UInt64]
    let latency_us: Latency
    struct Lag: Decodable {
        let p50: Int64
        let p99: Int64
        let max: Int64
    }
    let lag_us: Lag?
    let histogram: String
    let cpu: CPU
    let intervals: [Interval]?

    static func decode(_ text: String) throws -> LoadJSON {
        do {
            return try JSONDecoder().decode(LoadJSON.self, from: Data(text.utf8))
        } catch {
            throw FixtureError("kb-agent printed JSON that does not decode (\(error)): \(text.prefix(2000))")
        }
    }
}
