import ArgumentParser
import Controller
#if canImport(Glibc)
import Glibc
#endif

/// The KloudBuster controller: stages clouds, drives agents, reports and cleans up.
struct KloudBusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kloudbuster",
        abstract: "Data-plane scale test for OpenStack clouds (and this machine, the local cloud).",
        discussion: """
            Configuration is YAML with KloudBuster's keys, merged over a built-in default: \
            see it with `kloudbuster config show`. State (runs, the resource ledger) lives in \
            ~/.kloudbuster unless --state-dir or KB_STATE_DIR says otherwise.
            """,
        version: KloudBuster.version,
        subcommands: [RunCommand.self, ConfigCommand.self, RunsCommand.self, CleanupCommand.self, OctaviaCommand.self])
}

/// Usage errors exit with status 2 and their message on stderr (like kb-agent, wrk, curl),
/// rather than ArgumentParser's 64; help and --version still exit 0.
func exit(for error: Error) -> Never {
    let code = KloudBusterCommand.exitCode(for: error)
    if code == .success {
        print(KloudBusterCommand.fullMessage(for: error))
        exit(0)
    }
    let message = KloudBusterCommand.message(for: error)
    if !message.isEmpty {
        FileHandleStderr.write("kloudbuster: error: \(message)")
    }
    exit(code == .validationFailure ? 2 : code.rawValue)
}

/// Parses and runs; inside an `async` function so that `run()` is the asynchronous overload.
func main() async {
    do {
        var command = try KloudBusterCommand.parseAsRoot()
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        exit(for: error)
    }
}

/// Writes one line to stderr.
enum FileHandleStderr {
    static func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

await main()
