import ArgumentParser
import Controller
#if canImport(Glibc)
import Glibc
#endif

/// Usage errors exit with status 2 and their message on stderr (like kb-agent, wrk, curl),
/// rather than ArgumentParser's 64; help and --version still exit 0.
func exit(for error: Error, arguments: [String]) -> Never {
    let code = KloudBusterCommand.exitCode(for: error)
    if code == .success {
        print(KloudBusterCommand.fullMessage(for: error))
        exit(0)
    }
    let message = code == .validationFailure ? KloudBusterCommand.unknownSubcommandMessage(arguments) : nil
    let text = message ?? KloudBusterCommand.message(for: error)
    if !text.isEmpty {
        FileHandleStderr.write("kloudbuster: error: \(text)")
    }
    exit(code == .validationFailure ? 2 : code.rawValue)
}

/// Parses and runs; inside an `async` function so that `run()` is the asynchronous overload.
func main() async {
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
        var command = try KloudBusterCommand.parse(commandLine: arguments)
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

await main()
