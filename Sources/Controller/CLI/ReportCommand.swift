import ArgumentParser
import Foundation

/// `kloudbuster report RUN-ID|result.json... [--html FILE]`: the HTML report of stored runs or
/// result files, several overlaid against the first.
public struct ReportCommand: AsyncParsableCommand {
    /// The command's name, summary and help.
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML report of one run, or compare several runs in one report.",
        discussion: """
            Each argument is a run id (as `kloudbuster runs list` shows it; its result.json is read from the run folder, <state-dir>/runs/<run-id>/) or a result.json file (from a run folder or `kloudbuster run --json`). With several, every chart overlays them, one colour each, and a table compares each run with the first, the baseline.

            The report is one HTML file that opens in any browser without network: the verdict, the latency distribution per stage (by percentile, on KloudBuster's axis of nines: 90, 99, 99.9 %), throughput, percentiles and errors over time, KloudBuster's stage table, a table per server group, the trust panel (rate requested and reached, the client engine's lag and CPU, clock offsets, lost agents) and the configuration the run used.

            Without --html, the report of one run goes to report.html next to its result.json (for a run id: its run folder, where `kloudbuster run` wrote one already; this rewrites it); a comparison goes to report.html in the current directory.

            Examples:
              kloudbuster report kb-20261203-0840-ab12
              kloudbuster report kb-20261203-0840-ab12 --html ~/baseline.html
              kloudbuster report baseline.json tuned.json --html compare.html
            """)

    /// The runs and files, baseline first.
    @Argument(help: ArgumentHelp("Run ids or result.json files; the first is the baseline of a comparison.", valueName: "run-id|result.json"))
    public var sources: [String] = []

    /// Where the report goes.
    @Option(name: .customLong("html"), help: ArgumentHelp("Write the report to this file (default: report.html next to the result.json of a single run, in the current directory for a comparison).", valueName: "file"))
    public var htmlFile: String?

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Needs at least one run or file.
    public func validate() throws {
        guard !sources.isEmpty else {
            throw ValidationError("give a run id (see `kloudbuster runs list`) or a result.json file, e.g. `kloudbuster report kb-20261203-0840-ab12`")
        }
    }

    /// Reads every source, renders and writes the report.
    public func run() async throws {
        let inputs = try ReportInputs.load(sources, state: state)
        let output = htmlFile ?? (inputs.documents.count == 1 ? inputs.defaultOutput : "report.html")
        let written = try ReportInputs.write(inputs.documents, to: output, option: htmlFile == nil ? "report" : "--html")
        print("wrote \(output) (\(written / 1024 + 1) KB, \(inputs.documents.count) run\(inputs.documents.count == 1 ? "" : "s"))")
    }
}
