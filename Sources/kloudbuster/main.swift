import ArgumentParser
import Controller
import Server
#if canImport(Glibc)
import Glibc
#endif

/// The root: the controller library's commands and root options, and the server's command,
/// which that library does not import.
struct KloudBuster: AsyncParsableCommand {
    static let configuration = KloudBusterCommand.configuration(adding: [ServeCommand.self])

    /// The root without its options, for command lines that start with a command.
    struct Commands: ParsableCommand {
        static let configuration = KloudBuster.configuration
    }

    @OptionGroup var charts: ChartsFromJSONOptions

    func run() async throws {
        try charts.run(orHelpOf: self)
    }
}

/// Usage errors exit with status 2 and their message on stderr (like kb-agent, wrk, curl),
/// rather than ArgumentParser's 64; help and --version still exit 0.
func exit(for error: Error, arguments: [String]) -> Never {
    let code = KloudBuster.exitCode(for: error)
    if code == .success {
        print(KloudBuster.fullMessage(for: error))
        exit(0)
    }
    let message = code == .validationFailure ? KloudBusterCommand.unknownSubcommandMessage(arguments, root: KloudBuster.self) : nil
    let text = message ?? KloudBuster.message(for: error)
    if !text.isEmpty {
        FileHandleStderr.write("kloudbuster: error: \(text)")
    }
    exit(code == .validationFailure ? 2 : code.rawValue)
}

/// Parses and runs; inside an `async` function so that `run()` is the asynchronous overload.
func main() async {
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
        var command = try KloudBusterCommand.parse(commandLine: arguments, root: KloudBuster.self, commands: KloudBuster.Commands.self)
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        exit(for: error, arguments: arguments)
    }
}

/// Writes one line to stderr.
enum FileHandleStderr {
    static func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

// A reader of the console that goes away (`kloudbuster run | head`, a closed terminal or
// pipeline) must not kill the controller by SIGPIPE before it deletes what it staged: writes
// to it fail with EPIPE instead, and the run goes on to its cleanup.
signal(SIGPIPE, SIG_IGN)
await main()
