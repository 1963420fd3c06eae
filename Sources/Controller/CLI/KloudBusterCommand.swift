import ArgumentParser

/// `kloudbuster`: the controller's root command. Stages clouds, drives agents, reports and
/// cleans up; the executable only parses and maps errors to exit statuses.
public struct KloudBusterCommand: AsyncParsableCommand {
    /// The name, help, version and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "kloudbuster",
        abstract: "Data-plane scale test for OpenStack clouds (and this machine, the local cloud).",
        discussion: """
            Configuration is YAML with KloudBuster's keys, merged over a built-in default: \
            see it with `kloudbuster config show`. State (runs, the resource ledger) lives in \
            ~/.kloudbuster unless --state-dir or KB_STATE_DIR says otherwise.

            Every run writes result.json, result.hlog and report.html (the HTML report) into \
            its run folder; `kloudbuster report` makes reports of stored runs and compares \
            them. As in KloudBuster 8, `kloudbuster --charts-from-json result.json --html \
            out.html` makes the report of a result file.
            """,
        version: KloudBuster.version,
        subcommands: [
            RunCommand.self, ConfigCommand.self, RunsCommand.self, ReportCommand.self, CleanupCommand.self, ImageCommand.self,
            OctaviaCommand.self, TokenCommand.self, VersionCommand.self,
        ])

    /// The same root without its own options: what a command line that starts with a
    /// subcommand is parsed as (`parse(commandLine:)` says why).
    public struct Commands: AsyncParsableCommand {
        /// The root's name, help, version and subcommands.
        public static let configuration = KloudBusterCommand.configuration

        /// For ArgumentParser.
        public init() {}
    }

    /// Parses a command line: the root's own options (`--charts-from-json`, `--html`) only
    /// when it starts with an option, else the subcommand it names. `root` and `commands` are
    /// the root with and without its options (the executable's add the server's command).
    ///
    /// ArgumentParser gives a root's option every matching argument wherever it stands, so the
    /// root's `--html` would take the one of `run --html FILE` or `report ... --html FILE`; a
    /// command line that starts with a subcommand is therefore parsed by `commands`, which
    /// has none.
    public static func parse(
        commandLine arguments: [String], root: any ParsableCommand.Type = KloudBusterCommand.self,
        commands: any ParsableCommand.Type = Commands.self
    ) throws -> any ParsableCommand {
        guard let first = arguments.first, first.hasPrefix("-") else { return try commands.parseAsRoot(arguments) }
        let command = try root.parseAsRoot(arguments)
        if ObjectIdentifier(type(of: command)) != ObjectIdentifier(root), arguments.contains(where: { $0.hasPrefix("--charts-from-json") || $0.hasPrefix("--html") }) {
            throw ValidationError(
                "--charts-from-json writes a report and runs no command: give it alone (`kloudbuster --charts-from-json result.json --html out.html`), or put the command first")
        }
        return command
    }

    /// KloudBuster 8's `--charts-from-json FILE [--html FILE]`.
    @OptionGroup public var charts: ChartsFromJSONOptions

    /// For ArgumentParser.
    public init() {}

    /// `--charts-from-json`: writes the report; without it, prints the help.
    public func run() async throws {
        try charts.run(orHelpOf: self)
    }

    /// The message for `arguments` that name a subcommand that does not exist
    /// (`kloudbuster status`, `kloudbuster config check`), listing the ones that do; nil when
    /// every word before the first option is a subcommand.
    ///
    /// ArgumentParser calls such a word an "Unexpected argument", which does not tell the user
    /// that it was read as a command nor what the commands are.
    public static func unknownSubcommandMessage(_ arguments: [String], root: any ParsableCommand.Type = KloudBusterCommand.self) -> String? {
        var command: any ParsableCommand.Type = root
        var words = [name(of: command)]
        for argument in arguments {
            let subcommands = command.configuration.subcommands
            guard !argument.hasPrefix("-"), !subcommands.isEmpty else { return nil }
            guard let next = subcommands.first(where: { name(of: $0) == argument || $0.configuration.aliases.contains(argument) }) else {
                let names = subcommands.map(name(of:)).joined(separator: ", ")
                let path = words.joined(separator: " ")
                return "unknown command '\(argument)'; the commands of \(path) are: \(names) (see `\(path) --help`)"
            }
            command = next
            words.append(name(of: next))
        }
        return nil
    }

    private static func name(of command: any ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    /// The root's configuration with `more` subcommands after this library's: the executable
    /// adds the server's (`serve`), which this library does not import.
    public static func configuration(adding more: [any ParsableCommand.Type]) -> CommandConfiguration {
        var configuration = Self.configuration
        configuration.subcommands += more
        return configuration
    }
}

/// `kloudbuster version`: the same as `kloudbuster --version`.
public struct VersionCommand: ParsableCommand {
    /// The name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of kloudbuster (as --version does).")

    /// For ArgumentParser.
    public init() {}

    /// Prints the version.
    public func run() {
        print(KloudBuster.version)
    }
}
