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
            OctaviaCommand.self, VersionCommand.self,
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
    /// when it starts with an option, else the subcommand it names.
    ///
    /// ArgumentParser gives a root's option every matching argument wherever it stands, so the
    /// root's `--html` would take the one of `run --html FILE` or `report ... --html FILE`; a
    /// command line that starts with a subcommand is therefore parsed by `Commands`, which
    /// has none.
    public static func parse(commandLine arguments: [String]) throws -> any ParsableCommand {
        guard let first = arguments.first, first.hasPrefix("-") else { return try Commands.parseAsRoot(arguments) }
        let command = try parseAsRoot(arguments)
        if !(command is KloudBusterCommand), arguments.contains(where: { $0.hasPrefix("--charts-from-json") || $0.hasPrefix("--html") }) {
            throw ValidationError(
                "--charts-from-json writes a report and runs no command: give it alone (`kloudbuster --charts-from-json result.json --html out.html`), or put the command first")
        }
        return command
    }

    /// KloudBuster 8's `--charts-from-json FILE`: make the HTML report of a result file
    /// instead of running a command.
    @Option(
        name: .customLong("charts-from-json"),
        help: ArgumentHelp(
            "Write the HTML report of this result.json (KloudBuster 8's option; `kloudbuster report` does more) and exit.",
            valueName: "file"))
    public var chartsFromJSON: String?

    /// Where `--charts-from-json` writes.
    @Option(
        name: .customLong("html"),
        help: ArgumentHelp("With --charts-from-json: the report file (default: report.html next to the JSON).", valueName: "file"))
    public var htmlFile: String?

    /// For ArgumentParser.
    public init() {}

    /// `--html` means nothing without `--charts-from-json` here; the other ways to a report
    /// are named.
    public func validate() throws {
        if htmlFile != nil, chartsFromJSON == nil {
            throw ValidationError(
                "--html before a command needs --charts-from-json FILE; for a new run use `kloudbuster run --html FILE`, for a stored one `kloudbuster report RUN-ID --html FILE`")
        }
    }

    /// `--charts-from-json`: writes the report; without it, prints the help (as before any
    /// option existed here).
    public func run() async throws {
        guard let chartsFromJSON else { throw CleanExit.helpRequest(self) }
        let inputs = try ReportInputs.load([chartsFromJSON], state: nil)
        let output = htmlFile ?? inputs.defaultOutput
        let written = try ReportInputs.write(inputs.documents, to: output, option: htmlFile == nil ? "report" : "--html")
        print("wrote \(output) (\(written / 1024 + 1) KB)")
    }

    /// The message for `arguments` that name a subcommand that does not exist
    /// (`kloudbuster status`, `kloudbuster config check`), listing the ones that do; nil when
    /// every word before the first option is a subcommand.
    ///
    /// ArgumentParser calls such a word an "Unexpected argument", which does not tell the user
    /// that it was read as a command nor what the commands are.
    public static func unknownSubcommandMessage(_ arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = Self.self
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
