import Agent
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The KloudBuster agent: runs loads from the command line (`load`), or joins a controller and
/// takes its commands (`run`).
struct KBAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb-agent",
        abstract: "The KloudBuster agent: generates HTTP load and reports latency and throughput.",
        version: AgentDaemon.version,
        subcommands: [LoadCommand.self, RunCommand.self, SwarmCommand.self])
}

/// Usage errors exit with status 2 and one line on stderr (the convention of wrk, curl and most
/// Unix tools), instead of ArgumentParser's 64 and a usage block; help still prints and exits 0.
func exit(for error: Error) -> Never {
    let code = KBAgent.exitCode(for: error)
    if code == .success {
        print(KBAgent.fullMessage(for: error))
        exit(0)
    }
    let message = KBAgent.message(for: error)
        .split(whereSeparator: \.isNewline)
        .map { $0.trimmingPrefix(while: \.isWhitespace) }
        .filter { !$0.isEmpty }
        .joined(separator: " ")
    if !message.isEmpty {
        StandardStreams.writeError("kb-agent: error: \(message)")
    }
    exit(code == .validationFailure ? 2 : code.rawValue)
}

/// Parses and runs; a function rather than top-level code because only in an `async` function
/// does `run()` resolve to the asynchronous overload.
@Sendable func runCommand() async {
    do {
        // wrk's glued short options (-t2 -c40) are split first; ArgumentParser refuses them.
        var command = try KBAgent.parseAsRoot(LoadCommand.splittingGluedOptions(Array(CommandLine.arguments.dropFirst())))
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        exit(for: error)
    }
}

if RunCommand.isSelected(by: Array(CommandLine.arguments.dropFirst())) {
    // `run` is a ServiceGroup, which turns SIGTERM/SIGINT into a graceful shutdown itself.
    RunCommand.runMain(runCommand)
} else {
    // The main thread waits for SIGINT while the command runs on the global executor.
    InterruptSignal.runMain(runCommand)
}
