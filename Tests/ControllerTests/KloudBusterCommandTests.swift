import ArgumentParser
import Testing
@testable import Controller

@Suite struct KloudBusterCommandTests {
    @Test("an unknown subcommand is named and the subcommands listed, at any level")
    func unknownSubcommand() {
        #expect(KloudBusterCommand.unknownSubcommandMessage(["status"])
            == "unknown command 'status'; the commands of kloudbuster are: run, config, runs, report, cleanup, image, octavia, token, version (see `kloudbuster --help`)")
        #expect(KloudBusterCommand.unknownSubcommandMessage(["config", "check", "x.yaml"])
            == "unknown command 'check'; the commands of kloudbuster config are: show, validate (see `kloudbuster config --help`)")
        #expect(KloudBusterCommand.unknownSubcommandMessage(["image", "push", "x.qcow2"])
            == "unknown command 'push'; the commands of kloudbuster image are: upload (see `kloudbuster image --help`)")
        #expect(KloudBusterCommand.unknownSubcommandMessage(["image", "upload", "x.qcow2"]) == nil)
        #expect(KloudBusterCommand.unknownSubcommandMessage(["run", "-c", "x.yaml"]) == nil)
        #expect(KloudBusterCommand.unknownSubcommandMessage(["runs", "show", "kb-20261122-0836-ab12"]) == nil)
        #expect(KloudBusterCommand.unknownSubcommandMessage(["--version"]) == nil)
        #expect(throws: (any Error).self) { try KloudBusterCommand.parseAsRoot(["status"]) }
    }

    @Test("kloudbuster version and --version print the version")
    func version() throws {
        #expect(try KloudBusterCommand.parseAsRoot(["version"]) is VersionCommand)
        do {
            _ = try KloudBusterCommand.parseAsRoot(["--version"])
            Issue.record("--version must exit")
        } catch {
            #expect(KloudBusterCommand.exitCode(for: error) == .success)
            #expect(KloudBusterCommand.fullMessage(for: error) == KloudBuster.version)
        }
    }

    @Test("a negative count is a value that validation refuses, not a missing value")
    func negativeNumbers() {
        for (arguments, message) in [
            (["octavia", "populate", "--db", "sqlite:///x.db", "--load-balancers", "-1"], "--load-balancers must be at least 1 (got -1)"),
            (["octavia", "populate", "--db", "sqlite:///x.db", "--load-balancers", "2", "--members", "-3"], "--members must be at least 0 (got -3)"),
        ] {
            do {
                _ = try KloudBusterCommand.parseAsRoot(arguments)
                Issue.record("\(arguments) must not parse")
            } catch {
                #expect(KloudBusterCommand.message(for: error) == message)
            }
        }
        let stress = #expect(throws: (any Error).self) {
            try OctaviaStressCommand.parse(["--db", "sqlite:///x.db", "--hm", "127.0.0.1:5555", "--key", "k", "--listeners", "-2"])
                .settings(environment: [:])
        }
        #expect(stress.map { "\($0)" } == "--listeners must be at least 1 (got -2)")
    }

    @Test("a bad duration option lists the accepted forms")
    func durationOption() throws {
        for (value, start) in [("abc", "expected a duration"), ("0", "a duration must be more than 0")] {
            do {
                _ = try KloudBusterCommand.parseAsRoot(["octavia", "stress", "--duration", value])
                Issue.record("--duration \(value) must not parse")
            } catch {
                #expect(KloudBusterCommand.message(for: error)
                    == "The value '\(value)' is invalid for '--duration <duration>': \(start)"
                        + (value == "0" ? "; give one like " : ": ") + DurationText.forms)
            }
        }
        #expect(try OctaviaStressCommand.parse(["--report-interval", "500ms", "--duration", "2m"]).duration?.duration == .seconds(120))
    }

    @Test("durations read the same on the command line as in files")
    func durationText() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse(" 1.5 ") == .milliseconds(1500))
        #expect(DurationText.parse("0") == .zero)
        for bad in ["", "-1s", "soon", "1x", "inf", "nan", "1e3", "0x10"] { #expect(DurationText.parse(bad) == nil, "\(bad)") }
        #expect(DurationArgument(argument: "0s") == nil)
    }

    @Test("help states each default once")
    func helpDefaultsOnce() {
        let help = OctaviaStressCommand.helpMessage(columns: 1000)
        let repeated = help.split(separator: "\n").filter { $0.contains("(default ") && $0.contains("(default:") }
        #expect(repeated.isEmpty, "\(repeated)")
        #expect(help.contains("--agents <agents>"))
    }

    @Test("help examples fit in 80 columns, so none wraps mid-command")
    func examplesFit() {
        func commands(_ command: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            [command] + command.configuration.subcommands.flatMap(commands)
        }
        for command in commands(KloudBusterCommand.self) {
            let lines = command.configuration.discussion.split(separator: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix("Examples:") }) else { continue }
            let examples = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }
            let long = examples.filter { $0.count > 78 }
            #expect(long.isEmpty, "\(command.configuration.commandName ?? ""): \(long)")
        }
    }
}
