import ArgumentParser
import Foundation

/// `kloudbuster octavia clean`: deletes one populate run's rows.
public struct OctaviaCleanCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Delete the ghost load balancers of one populate run.",
        discussion: """
            Deletes, children first and in one transaction, every row whose id starts with \
            the prefix: L7 rules and policies, listeners, health monitors, session \
            persistence, members, pools, amphorae, VIPs, load balancers, and the \
            amphora_health and listener_statistics rows the health manager wrote for them. \
            Stop the simulated amphorae first, or the health manager writes those again.

            Exit status: 0 when the rows are gone, 1 when the database fails, 2 for a usage \
            error such as a prefix with no rows.
            """)

    /// The database.
    @OptionGroup public var database: OctaviaDatabaseOptions

    /// The run prefix.
    @Option(help: ArgumentHelp("The prefix `populate` printed.", valueName: "kbo-xxxxxx"))
    public var prefix: String

    /// JSON output.
    @Flag(help: "Print {\"prefix\": ID, \"rows\": {table: deleted}} instead of text.")
    public var json = false

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Checks the prefix's shape, so that clean can never match rows of other runs.
    public func validate() throws {
        guard OctaviaPopulator.isValidPrefix(prefix) else {
            throw ValidationError("--prefix \(prefix) is not a populate prefix: it looks like kbo- and 6 hex digits, as `kloudbuster octavia populate` printed")
        }
        _ = try database.resolvedURL()
    }

    /// Deletes and prints what was deleted.
    public func run() async throws {
        let url = try database.resolvedURL()
        let prefix = prefix
        let deleted = try await OctaviaBlocking.run { try Self.clean(url: url, prefix: prefix) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(OctaviaPopulation(prefix: prefix, rows: deleted)), as: UTF8.self))
        } else {
            print("Deleted \(deleted.values.reduce(0, +)) rows of \(prefix) from \(OctaviaDatabaseOpener.maskPassword(url))")
            for (table, count) in deleted.sorted(by: { $0.key < $1.key }) { print("  \(table): \(count)") }
        }
    }

    /// Opens, refuses an unknown prefix, deletes (blocking).
    public static func clean(url: String, prefix: String) throws -> [String: Int] {
        let database = try OctaviaDatabaseOpener.open(url)
        let cleaner = OctaviaCleaner(database: database)
        guard !(try cleaner.rowCounts(prefix: prefix)).isEmpty else {
            throw ValidationError("database \(database.displayURL) has no rows with prefix \(prefix): check the prefix `populate` printed (nothing was deleted)")
        }
        return try cleaner.clean(prefix: prefix)
    }
}
