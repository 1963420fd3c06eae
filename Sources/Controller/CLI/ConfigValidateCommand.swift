import ArgumentParser

/// `kloudbuster config validate`: check configuration files without staging anything.
public struct ConfigValidateCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check configuration files against the keys and limits KloudBuster accepts.",
        discussion: """
            Each FILE is checked on its own, merged over the built-in default. A valid file \
            prints `FILE: valid`, then notes about changed keys that the chosen cloud ignores. \
            An invalid file prints every problem on standard error, one per line, as \
            `file:line: key.path: message (did you mean ...?)`; the command then exits with \
            status 2. Checked: unknown keys (with the nearest known one), value types, counts \
            of at least 1, rate_limit ≥ 0, positive durations (30, 30s, 500ms, 2m, 1h), \
            stop-limit percentiles, keys this build does not support yet set to anything \
            but their default, and whether the topology fits the --cloud (loopback \
            addresses and open files on the local cloud, the 10.0.0.0/8 tenant networks on \
            OpenStack) as `run` would check it.
            """)

    /// The files to check.
    @Argument(help: ArgumentHelp("YAML configuration files to check, each on its own.", valueName: "file"))
    var files: [String]

    /// The cloud whose notes are printed.
    @Option(help: "The cloud whose unused keys are reported as notes.")
    var cloud: Configuration.Cloud = .local

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Prints the verdicts, and exits with status 2 when any file is invalid.
    public func run() async throws {
        let report = Self.check(files: files, cloud: cloud)
        report.output.forEach { print($0) }
        report.errors.forEach { ConfigCommand.printError($0) }
        if !report.errors.isEmpty { throw ExitCode(2) }
    }

    /// What `validate` prints: lines for standard output (verdicts and notes) and for
    /// standard error (one per problem).
    static func check(files: [String], cloud: Configuration.Cloud) -> (output: [String], errors: [String]) {
        var output: [String] = []
        var errors: [String] = []
        for file in files {
            do {
                let configuration = try ConfigurationLoader().load(files: [file])
                let capacity = TopologyCapacity.errors(configuration, cloud: cloud)
                guard capacity.isEmpty else {
                    errors += ConfigurationErrors(capacity, fileOrder: [file]).errors.map(\.description)
                    continue
                }
                output.append("\(file): valid")
                output += configuration.notes(for: cloud).map { "note: " + $0 }
            } catch {
                errors += error.errors.map(\.description)
            }
        }
        return (output, errors)
    }
}
