import ArgumentParser

/// The root's own options, KloudBuster 8's `--charts-from-json FILE [--html FILE]`: make the
/// HTML report of a result file instead of running a command. A group, so that every root
/// (the library's, and the executable's with the server's command) has them.
public struct ChartsFromJSONOptions: ParsableArguments, Sendable {
    /// The result file.
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

    /// Writes the report; without `--charts-from-json`, prints `command`'s help.
    public func run(orHelpOf command: any ParsableCommand) throws {
        guard let chartsFromJSON else { throw CleanExit.helpRequest(command) }
        let inputs = try ReportInputs.load([chartsFromJSON], state: nil)
        let output = htmlFile ?? inputs.defaultOutput
        let written = try ReportInputs.write(inputs.documents, to: output, option: htmlFile == nil ? "report" : "--html")
        print("wrote \(output) (\(written / 1024 + 1) KB)")
    }
}
