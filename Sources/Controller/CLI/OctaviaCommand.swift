import ArgumentParser
import Foundation

/// `kloudbuster octavia`: ghost load balancers in an Octavia database, for stressing the
/// health manager.
public struct OctaviaCommand: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "octavia",
        abstract: "Populate an Octavia database with ghost load balancers, and remove them.",
        discussion: """
            For the Octavia health-manager stress test: `populate` writes rows only (load \
            balancers, amphorae, listeners, pools, members...), with no VM or port behind \
            them, so that simulated amphorae can send heartbeats for them; `clean` removes \
            every row of a run, including what the health manager wrote for it.

            WARNING (from the original stress tool): do not run this against a production \
            Octavia database. Ghost load balancers look real to Octavia: its API lists them, \
            and when their heartbeats stop the health manager fails their amphorae over.
            """,
        subcommands: [OctaviaPopulateCommand.self, OctaviaStressCommand.self, OctaviaCleanCommand.self])

    /// Creates the command; ArgumentParser fills it in.
    public init() {}
}

/// `--db URL`, shared by the octavia subcommands.
public struct OctaviaDatabaseOptions: ParsableArguments {
    /// The database URL.
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The Octavia database: mysql://USER:PASSWORD@HOST:PORT/octavia (as octavia.conf's [database] connection) or sqlite:///PATH. Default: $OCTAVIA_DB_URL.",
        valueName: "url"))
    public var url: String?

    /// Creates the options; ArgumentParser fills them in.
    public init() {}

    /// The URL given, or $OCTAVIA_DB_URL.
    public func resolvedURL() throws -> String {
        if let url { return url }
        if let url = ProcessInfo.processInfo.environment["OCTAVIA_DB_URL"], !url.isEmpty { return url }
        throw ValidationError("give --db URL (or set OCTAVIA_DB_URL; scripts/octavia-local.sh up prints one)")
    }
}
