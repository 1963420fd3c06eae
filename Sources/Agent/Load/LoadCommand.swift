import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `kb-agent load URL [options]`: load one HTTP target the way wrk does and print what happened.
public struct LoadCommand: AsyncParsableCommand {
    /// The command's name, summary and examples.
    public static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Send HTTP load to one URL and report throughput and latency percentiles.",
        discussion: """
            Examples:
              kb-agent load http://127.0.0.1:8080/ -c 100 -d 30s
              kb-agent load http://127.0.0.1:8080/ -c 100 -R 10k -d 1m --interval 1s --json
              kb-agent load https://[::1]:8443/ --insecure -c 1000 --source 127.0.0.2-127.0.0.9
              kb-agent load -t2 -c1k -d30s --latency http://127.0.0.1:8080/   (wrk's spelling works too)

            Without --rate each connection sends its next request when the previous response arrives (closed loop, like wrk). With --rate the requests follow a fixed schedule and latency is measured from the scheduled send time (like wrk2). Ctrl-C stops the load early and still prints the report.

            When requests fail, the summary and --json ("error_reasons") say why, from the first error of each kind: "connect errors: 30 (connection refused)".

            Exit status: 0 when the run completed; 1 when every request failed (no 2xx or 3xx response; the reason is printed) or the engine failed; 2 for a usage error (a bad option or an unresolvable host); 3 when the run completed but its result is not trustworthy: the achieved rate is more than 5 % below --rate, or the engine's send lag (p99 over 50ms) shows the client was saturated (a line on stderr says which).
            """,
        version: AgentDaemon.version)

    /// The options, shared with anything else that starts a load from the command line.
    @OptionGroup public var options: LoadOptions

    /// For ArgumentParser.
    public init() {}

    /// Runs the load and prints the report (text or JSON) on stdout; interrupting it with
    /// SIGINT ends the load early and still prints the report.
    public func run() async throws {
        let plan = try options.plan(limits: .current)
        if let hlog = options.hlog { try LoadCommand.write("", to: hlog) }  // fail before, not after, the run
        let runner = LoadRunner(plan: plan, duration: options.duration.duration, interval: options.interval?.duration)
        let json = options.json
        let banner = LoadReport.banner(plan: plan, duration: options.duration)
            + (options.interval == nil ? "" : "\n" + LoadReport.intervalHeader)
        let result: LoadResult
        do {
            result = try await InterruptSignal.cancellingOnInterrupt {
                try await runner.run {
                    guard !json else { return }
                    print(banner)
                    StandardStreams.flushOutput()
                } onInterval: { sample in
                    guard !json else { return }
                    print(LoadReport.intervalLine(sample))
                    StandardStreams.flushOutput()
                }
            }
        } catch let error as EngineError where error.isUsageError {
            // A host that does not resolve is a mistake in the command line, reported like one;
            // the engine's other refusals name their own field.
            throw ValidationError(error.kind == .unresolvableHost ? "URL: \(error)" : "\(error)")
        }
        let report = LoadReport(result: result)
        print(json ? try report.json() : report.text())
        if let hlog = options.hlog {
            try LoadCommand.write(report.histogramLog(comment: "kb-agent load \(plan.displayURL)"), to: hlog)
        }
        let verdict = LoadVerdict(result: result)
        if let message = verdict.message {
            StandardStreams.flushOutput()
            StandardStreams.writeError(message)
            Glibc.exit(verdict.exitStatus)
        }
    }

    private static func write(_ text: String, to path: String) throws {
        do {
            try PlainFile.write(Array(text.utf8), to: path)
        } catch {
            throw ValidationError("--hlog: \(error); give a path in a writable folder")
        }
    }
}
