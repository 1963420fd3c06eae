import ArgumentParser
import Foundation

/// `kloudbuster octavia populate`: creates ghost load balancers and prints the run prefix.
public struct OctaviaPopulateCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "populate",
        abstract: "Create ghost load balancers in an Octavia database; prints the run prefix.",
        discussion: """
            Counts multiply as in the original stresshm: every load balancer gets --listeners \
            listeners, every listener --pools pools (each with a health monitor and HTTP_COOKIE \
            session persistence) and --l7policies policies of --l7rules rules, every pool \
            --members members. Topology ACTIVE_STANDBY (two amphorae, MASTER and BACKUP) unless \
            --single. Every id and name starts with the run prefix (kbo-xxxxxx) that \
            `kloudbuster octavia clean --prefix` takes; a failed populate removes its own rows.

            WARNING: never point this at a production Octavia database. It refuses a database \
            that holds load balancers it did not create unless --i-know-this-is-not-production.

            Exit status: 0 on success, 1 when the database fails, 2 for a usage error.
            """)

    /// The database.
    @OptionGroup public var database: OctaviaDatabaseOptions

    /// Load balancers.
    @Option(name: .customLong("load-balancers"), parsing: .unconditional, help: "Load balancers to create.")
    public var loadBalancers: Int
    /// Listeners per load balancer.
    @Option(parsing: .unconditional, help: "Listeners per load balancer.")
    public var listeners: Int = 1
    /// Pools per listener.
    @Option(parsing: .unconditional, help: "Pools per listener (each with one health monitor).")
    public var pools: Int = 1
    /// Members per pool.
    @Option(parsing: .unconditional, help: "Members per pool.")
    public var members: Int = 1
    /// L7 policies per listener.
    @Option(parsing: .unconditional, help: "L7 policies per listener.")
    public var l7policies: Int = 0
    /// L7 rules per policy.
    @Option(parsing: .unconditional, help: "L7 rules per L7 policy.")
    public var l7rules: Int = 0
    /// One amphora per load balancer.
    @Flag(help: "Topology SINGLE (one STANDALONE amphora per load balancer) instead of ACTIVE_STANDBY.")
    public var single = false
    /// Load balancers per transaction.
    @Option(parsing: .unconditional, help: "Load balancers per transaction.")
    public var batch: Int = 50
    /// Override of the production-safety check.
    @Flag(name: .customLong("i-know-this-is-not-production"), help: "Populate even though the database holds load balancers this tool did not create.")
    public var notProduction = false
    /// JSON output.
    @Flag(help: "Print {\"prefix\": ID, \"rows\": {table: count}} instead of text.")
    public var json = false

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Checks the counts.
    public func validate() throws {
        for (name, value, least) in [("--load-balancers", loadBalancers, 1), ("--listeners", listeners, 1), ("--pools", pools, 1),
                                     ("--members", members, 0), ("--l7policies", l7policies, 0), ("--l7rules", l7rules, 0), ("--batch", batch, 1)]
        where value < least {
            throw ValidationError("\(name) must be at least \(least) (got \(value))")
        }
        _ = try database.resolvedURL()
    }

    /// Populates and prints the prefix.
    public func run() async throws {
        let url = try database.resolvedURL()
        let shape = OctaviaShape(loadBalancers: loadBalancers, listeners: listeners, pools: pools, members: members,
                                 l7policies: l7policies, l7rules: l7rules, amphorae: single ? 1 : 2)
        let (batch, allowForeign) = (batch, notProduction)
        let population = try await OctaviaBlocking.run {
            try Self.populate(url: url, shape: shape, batch: batch, allowForeign: allowForeign)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(population), as: UTF8.self))
        } else {
            let total = population.rows.values.reduce(0, +)
            print("Populated \(OctaviaDatabaseOpener.maskPassword(url)): \(total) rows under prefix \(population.prefix)")
            for (table, count) in population.rows.sorted(by: { $0.key < $1.key }) where count > 0 {
                print("  \(table): \(count)")
            }
            print("Remove them with: kloudbuster octavia clean --prefix \(population.prefix)")
        }
    }

    /// Opens, checks for foreign load balancers, populates (blocking).
    public static func populate(url: String, shape: OctaviaShape, batch: Int, allowForeign: Bool) throws -> OctaviaPopulation {
        let database = try OctaviaDatabaseOpener.open(url)
        let populator = OctaviaPopulator(database: database, batchSize: batch)
        let foreign = try populator.foreignLoadBalancerCount()
        if foreign > 0 && !allowForeign {
            throw ValidationError(
                "database \(database.displayURL) holds \(foreign) load balancer\(foreign == 1 ? "" : "s") this tool did not create: it may be production; use a dedicated test database, or give --i-know-this-is-not-production")
        }
        return try populator.populate(shape)
    }
}
