import ArgumentParser

/// `kloudbuster config show`: print the configuration a run would use.
public struct ConfigShowCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective configuration as YAML.",
        discussion: """
            Without -c, prints the built-in default. With one or more -c FILE, prints the \
            default with the files merged over it in order, as a run would see it. Notes about \
            keys the chosen cloud ignores go to standard error. Invalid files print their \
            errors and exit with status 2.
            """)

    /// `-c FILE`, repeatable: the files to merge, later ones winning.
    @Option(name: [.customShort("c"), .customLong("config")],
            help: ArgumentHelp("A YAML file merged over the default; repeat to layer several (later wins).",
                               valueName: "file"))
    var configFiles: [String] = []

    /// The cloud whose notes are printed.
    @Option(help: "The cloud whose unused keys are reported as notes.")
    var cloud: Configuration.Cloud = .local

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Prints the YAML, or the errors and exits with status 2.
    public func run() async throws {
        let configuration: Configuration
        do {
            configuration = try ConfigurationLoader().load(files: configFiles)
        } catch {
            error.errors.forEach { ConfigCommand.printError($0.description) }
            throw ExitCode(2)
        }
        configuration.notes(for: cloud).forEach { ConfigCommand.printError("note: " + $0) }
        print(Self.render(configuration, files: configFiles), terminator: "")
    }

    /// The text `show` prints: a comment naming the layers, then the merged tree.
    static func render(_ configuration: Configuration, files: [String]) -> String {
        let layers = ([DefaultConfiguration.sourceName] + files).joined(separator: " < ")
        return "# Effective KloudBuster configuration: \(layers)\n" + configuration.effectiveYAML()
    }
}
