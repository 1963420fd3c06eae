import ArgumentParser

/// `kloudbuster config show`: print the configuration a run would use.
public struct ConfigShowCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective configuration as YAML.",
        discussion: """
            Without -c (or with --default), prints the built-in default exactly as compiled \
            in, with a comment on every key: [openstack] marks keys used on OpenStack only, \
            [compat] keys accepted for KloudBuster 8 files and not acted on, [not supported \
            yet] keys that must stay at their default. With one or more -c FILE, prints the \
            default with the files merged over it in order, as a run would see it, with the \
            default's comments, and above each value a file set, where it was set and what \
            the default was. Notes about keys the chosen cloud ignores go to standard \
            error. Invalid files print their errors and exit with status 2.

            Examples:
              kloudbuster config show > my.yaml
              kloudbuster config show -c my.yaml -c site.yaml
            """)

    /// `-c FILE`, repeatable: the files to merge, later ones winning.
    @Option(name: [.customShort("c"), .customLong("config")],
            help: ArgumentHelp("A YAML file merged over the default; repeat to layer several (later wins).",
                               valueName: "file"))
    var configFiles: [String] = []

    /// Print the commented default.
    @Flag(name: .customLong("default"), help: "Print the built-in default with its comments (what no -c prints).")
    var showDefault = false

    /// The cloud whose notes are printed.
    @Option(help: "The cloud whose unused keys are reported as notes.")
    var cloud: Configuration.Cloud = .local

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// --default prints the default alone, so it takes no file.
    public func validate() throws {
        if showDefault && !configFiles.isEmpty {
            throw ValidationError("--default prints the built-in default alone; give either --default or -c FILE")
        }
    }

    /// Prints the YAML, or the errors and exits with status 2.
    public func run() async throws {
        switch output() {
        case let .success((text, notes)):
            notes.forEach { ConfigCommand.printError("note: " + $0) }
            print(text, terminator: "")
        case let .failure(errors):
            errors.errors.forEach { ConfigCommand.printError($0.description) }
            throw ExitCode(2)
        }
    }

    /// What `show` prints on standard output and, as notes, on standard error; or the errors.
    func output() -> Result<(text: String, notes: [String]), ConfigurationErrors> {
        // The default is printed as compiled in, comments and layout included.
        if configFiles.isEmpty { return .success((DefaultConfiguration.yaml + "\n", [])) }
        do {
            let configuration = try ConfigurationLoader().load(files: configFiles)
            return .success((Self.render(configuration, files: configFiles), configuration.notes(for: cloud)))
        } catch {
            return .failure(error)
        }
    }

    /// The text `show -c` prints: a header naming the layers, then the merged tree with the
    /// default's comments.
    static func render(_ configuration: Configuration, files: [String]) -> String {
        let layers = ([DefaultConfiguration.sourceName] + files).joined(separator: " < ")
        return """
            # Effective KloudBuster configuration: \(layers)
            # The comments are the built-in default's (`kloudbuster config show --default`); a value
            # set by a file says where, and what the default was. [openstack]: used on OpenStack
            # only; [compat]: accepted for KloudBuster 8 files, not acted on; [not supported yet]:
            # must stay at its default.


            """ + ConfigurationComments.builtIn.render(configuration.tree, default: ConfigurationLoader.defaultTree)
    }
}
