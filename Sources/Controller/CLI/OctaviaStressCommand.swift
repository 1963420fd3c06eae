import ArgumentParser
import Foundation
import Logging
import Proto
import ServiceLifecycle

/// `kloudbuster octavia stress`: populate ghost load balancers, send their amphorae's
/// heartbeats to the health manager from amphora agents, measure how fresh the HM keeps them,
/// and remove everything.
public struct OctaviaStressCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Stress the Octavia health manager with simulated amphora heartbeats and measure whether it keeps up.",
        discussion: """
            Populates --load-balancers ghost load balancers (as `populate` does), starts --agents \
            amphora agents on this machine, which send every amphora's signed heartbeat once per \
            --interval (or --rate heartbeats/s over all amphorae) to the health managers (--hm), \
            round-robin, for --duration. Every --report-interval a line shows what was sent and the \
            HM's freshness: now minus amphora_health.last_update over the run's amphorae (p50, p99, \
            max; how many are older than the interval, and than the HM's heartbeat_timeout, when \
            the HM would fail them over; how many it never processed). MariaDB keeps last_update in \
            whole seconds, so an amphora counts as late only past the interval plus one second. \
            After the senders stop, it waits until the HM stops updating the run's rows and, with \
            --hm-log, stops logging heartbeats it dropped as too old (the drain), then deletes \
            every row of the run and the agents.

            --ramp multiplies the rate by --ramp-factor per step (each step lasts --duration) until \
            the HM falls behind (an amphora older than the interval, a UDP receive-buffer drop, a \
            THIS IS NOT GOOD in --hm-log) or --ramp-max; the knee is the last rate it kept up with. \
            Populate enough load balancers that the interval stays at 2 s or more at the rates tried.

            --config-file reads the original stresshm.conf ([health_manager] \
            controller_ip_port_list, heartbeat_key, heartbeat_interval, heartbeat_version; \
            [test_params] test_runtime_secs, octavia_db_connection, load_balancers, listeners, \
            pools, members, l7policies, l7rules); options given on the command line win.

            WARNING (from the original stresshm): do not run this against a production Octavia. \
            Ghost load balancers look real to Octavia, and when their heartbeats stop the health \
            manager fails their amphorae over. It refuses a database that holds load balancers it \
            did not create unless --i-know-this-is-not-production.

            Examples:
              eval "$(scripts/octavia-local.sh up)"
              kloudbuster octavia stress --load-balancers 100 --rate 40 --duration 30s
              kloudbuster octavia stress --config-file stresshm.conf --json hm.json
              kloudbuster octavia stress --load-balancers 3000 --rate 100 --ramp

            Exit status: 0 when the test ran (with --ramp also when the HM fell behind: the knee \
            is the result), 1 when it failed, 2 for a usage error, 130/143 after SIGINT/SIGTERM \
            (rows and agents are removed in every case).
            """)

    /// `--db`.
    @OptionGroup public var database: OctaviaDatabaseOptions
    /// The stresshm.conf.
    @Option(name: .customLong("config-file"), help: ArgumentHelp("The original stresshm.conf; its keys are the defaults.", valueName: "file"))
    public var configFile: String?
    /// Health managers.
    @Option(name: .customLong("hm"), help: ArgumentHelp("Health manager HOST:PORT (repeatable or comma-separated; default $OCTAVIA_HM).", valueName: "host:port"))
    public var healthManagers: [String] = []
    /// The HMAC key.
    @Option(help: ArgumentHelp("The HM's [health_manager] heartbeat_key (default $OCTAVIA_HM_KEY).", valueName: "key"))
    public var key: String?
    /// Ghost load balancers.
    @Option(name: .customLong("load-balancers"), parsing: .unconditional, help: "Ghost load balancers (default 10).")
    public var loadBalancers: Int?
    /// Listeners per load balancer.
    @Option(parsing: .unconditional, help: "Listeners per load balancer (default 1).")
    public var listeners: Int?
    /// Pools per listener.
    @Option(parsing: .unconditional, help: "Pools per listener (default 1).")
    public var pools: Int?
    /// Members per pool.
    @Option(parsing: .unconditional, help: "Members per pool (default 1).")
    public var members: Int?
    /// L7 policies per listener.
    @Option(parsing: .unconditional, help: "L7 policies per listener (default 0).")
    public var l7policies: Int?
    /// L7 rules per policy.
    @Option(parsing: .unconditional, help: "L7 rules per L7 policy (default 0).")
    public var l7rules: Int?
    /// SINGLE topology.
    @Flag(help: "One amphora per load balancer (SINGLE) instead of two (ACTIVE_STANDBY).")
    public var single = false
    /// Each amphora's period.
    @Option(parsing: .unconditional, help: ArgumentHelp("Each amphora's heartbeat period, e.g. 10s (default 10s, Octavia's).", valueName: "duration"),
            transform: DurationArgument.parse)
    public var interval: DurationArgument?
    /// Total heartbeats per second.
    @Option(parsing: .unconditional, help: ArgumentHelp("Heartbeats per second over all amphorae; sets the interval to amphorae / rate.", valueName: "hb/s"))
    public var rate: Double?
    /// How long to send.
    @Option(parsing: .unconditional, help: ArgumentHelp("How long to send (each step with --ramp), e.g. 60s (default 60s).", valueName: "duration"),
            transform: DurationArgument.parse)
    public var duration: DurationArgument?
    /// The message version.
    @Option(name: .customLong("heartbeat-version"), parsing: .unconditional, help: "Heartbeat message version: 1, 2 or 3 (default 3, today's amphorae).")
    public var heartbeatVersion: Int?
    /// Agent processes.
    @Option(parsing: .unconditional, help: "Amphora agent processes sharing the amphorae.")
    public var agents: Int = 1
    /// Console interval.
    @Option(name: .customLong("report-interval"), parsing: .unconditional,
            help: ArgumentHelp("Interval of the console lines (default 2s).", valueName: "duration"), transform: DurationArgument.parse)
    public var reportInterval = DurationArgument(.seconds(2), "2s")
    /// The HM's heartbeat_timeout.
    @Option(name: .customLong("heartbeat-timeout"), parsing: .unconditional,
            help: ArgumentHelp("The HM's heartbeat_timeout, for the would-fail-over count (default 60s).", valueName: "duration"),
            transform: DurationArgument.parse)
    public var heartbeatTimeout = DurationArgument(.seconds(60), "60s")
    /// Knee search.
    @Flag(help: "Search the knee: raise the rate step by step until the HM falls behind.")
    public var ramp = false
    /// Rate multiplier per step.
    @Option(name: .customLong("ramp-factor"), parsing: .unconditional, help: "Rate multiplier per ramp step.")
    public var rampFactor = 1.5
    /// Highest rate tried.
    @Option(name: .customLong("ramp-max"), parsing: .unconditional, help: "The highest rate a ramp tries, heartbeats/s.")
    public var rampMax = 100_000.0
    /// zlib level 9 per message.
    @Flag(name: .customLong("full-compression"), help: "Deflate every heartbeat whole at level 9, as Octavia's amphorae do (more CPU per heartbeat).")
    public var fullCompression = false
    /// The HM's log file.
    @Option(name: .customLong("hm-log"), help: ArgumentHelp("The HM's log file, scanned for THIS IS NOT GOOD and HMAC warnings (default $OCTAVIA_HM_LOG).", valueName: "file"))
    public var hmLog: String?
    /// Longest drain wait.
    @Option(name: .customLong("drain-timeout"), parsing: .unconditional,
            help: ArgumentHelp("Longest wait for the HM to drain after the senders stop (default 60s).", valueName: "duration"),
            transform: DurationArgument.parse)
    public var drainTimeout = DurationArgument(.seconds(60), "60s")
    /// Keep the rows.
    @Flag(name: .customLong("no-clean"), help: "Keep the ghost rows (remove them later with `octavia clean`).")
    public var noClean = false
    /// The JSON result file.
    @Option(help: ArgumentHelp("Write the result as JSON here.", valueName: "file"))
    public var json: String?
    /// Override of the production-safety check.
    @Flag(name: .customLong("i-know-this-is-not-production"), help: "Run even though the database holds load balancers this tool did not create.")
    public var notProduction = false
    /// The agent binary.
    @Option(help: ArgumentHelp("The kb-agent executable (default: $KB_AGENT_BINARY, else next to kloudbuster).", valueName: "path"))
    public var agentBinary: String?
    /// The state folder.
    @OptionGroup public var state: StateOptions

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Checks the options and the configuration file, and builds the settings: every problem
    /// is reported before anything is created.
    public func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StressSettings {
        let file = try configFile.map { path -> StresshmConfig in
            do { return try StresshmConfig.load(path) } catch { throw ValidationError("\(error)") }
        } ?? StresshmConfig()
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let url = database.url ?? file.database ?? env("OCTAVIA_DB_URL") else {
            throw ValidationError("give --db URL (or octavia_db_connection in --config-file, or OCTAVIA_DB_URL; scripts/octavia-local.sh up prints one)")
        }
        let hmText = healthManagers.isEmpty ? (file.endpoints ?? env("OCTAVIA_HM")) : healthManagers.joined(separator: ",")
        guard let hmText else {
            throw ValidationError("give --hm HOST:PORT (or controller_ip_port_list in --config-file, or OCTAVIA_HM)")
        }
        let endpoints: [HealthManagerEndpoint]
        switch HealthManagerEndpoint.parseList(hmText) {
        case .success(let parsed): endpoints = parsed
        case .failure(let error): throw ValidationError("--hm: \(error)")
        }
        guard let key = key ?? file.key ?? env("OCTAVIA_HM_KEY"), !key.isEmpty else {
            throw ValidationError("the heartbeat key is empty: give --key KEY, the HM's [health_manager] heartbeat_key (or heartbeat_key in --config-file, or OCTAVIA_HM_KEY)")
        }
        let shape = OctaviaShape(
            loadBalancers: loadBalancers ?? file.loadBalancers ?? 10, listeners: listeners ?? file.listeners ?? 1,
            pools: pools ?? file.pools ?? 1, members: members ?? file.members ?? 1,
            l7policies: l7policies ?? file.l7policies ?? 0, l7rules: l7rules ?? file.l7rules ?? 0, amphorae: single ? 1 : 2)
        for (name, value, least) in [("--load-balancers", shape.loadBalancers, 1), ("--listeners", shape.listeners, 1), ("--pools", shape.pools, 1),
                                     ("--members", shape.members, 0), ("--l7policies", shape.l7policies, 0), ("--l7rules", shape.l7rules, 0)]
        where value < least {
            throw ValidationError("\(name) must be at least \(least) (got \(value))")
        }
        guard agents >= 1, agents <= shape.loadBalancers * shape.amphorae else {
            throw ValidationError("--agents must be from 1 to the number of amphorae, \(shape.loadBalancers * shape.amphorae) (got \(agents))")
        }
        let version = heartbeatVersion ?? file.version ?? 3
        guard (1...3).contains(version) else { throw ValidationError("--heartbeat-version must be 1, 2 or 3 (got \(version))") }
        let amphorae = Double(shape.loadBalancers * shape.amphorae)
        var period = interval?.duration ?? file.interval.map { Duration.milliseconds(Int64($0 * 1000)) } ?? .seconds(10)
        if let rate {
            guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a number of heartbeats per second above 0 (got \(rate))") }
            guard interval == nil else { throw ValidationError("give --interval or --rate, not both (rate = amphorae / interval)") }
            period = .milliseconds(Int64((amphorae / rate * 1000).rounded()))
            guard period >= .milliseconds(1) else {
                throw ValidationError("--rate \(rate) with \(Int(amphorae)) amphorae means each sends every \(amphorae / rate * 1000) ms; populate more --load-balancers")
            }
        }
        if ramp { guard rampFactor > 1 else { throw ValidationError("--ramp-factor must be above 1 (got \(rampFactor))") } }
        var settings = StressSettings(
            databaseURL: url, endpoints: endpoints, key: key, shape: shape, interval: period,
            duration: duration?.duration ?? file.duration.map { Duration.milliseconds(Int64($0 * 1000)) } ?? .seconds(60),
            version: version, agents: agents, reportInterval: reportInterval.duration,
            heartbeatTimeout: heartbeatTimeout.duration,
            ramp: ramp ? StressSettings.Ramp(factor: rampFactor, maxRate: rampMax) : nil)
        settings.fullCompression = fullCompression
        settings.hmLog = hmLog ?? env("OCTAVIA_HM_LOG")
        settings.drainTimeout = drainTimeout.duration
        settings.clean = !noClean
        if settings.duration < period {
            throw ValidationError(
                "--duration \(settings.duration.secondsText) is shorter than the interval (\(period.secondsText)): not every amphora would send, and the HM's freshness could not be judged; give --duration \(period.secondsText) or more, or a higher --rate")
        }
        if ramp, settings.stepIntervals.count < 2 {
            throw ValidationError("--ramp from \(Int(settings.rate(at: period))) heartbeats/s has no second step: with \(Int(amphorae)) amphorae the interval would fall under 2 s (or --ramp-max is reached); populate more --load-balancers or start lower")
        }
        return settings
    }

    /// Validates, populates, runs the steps and cleans up.
    public func run() async throws {
        let settings = try settings()
        let agentPath = try AgentBinary.locate(option: agentBinary)
        let allowForeign = notProduction
        let console = ConsoleReport.standardOutput
        let url = settings.databaseURL
        let opened = try await OctaviaBlocking.run { try SharedDatabaseBox(OctaviaDatabaseOpener.open(url)) }
        let shared = SharedOctaviaDatabase(opened.database)
        let foreign = try await shared.run { try OctaviaPopulator(database: $0).foreignLoadBalancerCount() }
        if foreign > 0 && !allowForeign {
            throw ValidationError(
                "database \(OctaviaDatabaseOpener.maskPassword(url)) holds \(foreign) load balancer\(foreign == 1 ? "" : "s") this tool did not create: it may be production; use a dedicated test database, or give --i-know-this-is-not-production")
        }

        // The run and its ghost rows are in the ledger before anything is written, so that
        // `kloudbuster cleanup` finds both after a crash.
        let ledger = Ledger(store: try state.openStore())
        let prefix = OctaviaPopulator.newPrefix()
        let run = try ledger.newRun(
            label: "octavia stress \(prefix)", cloud: ProcessResource.cloud,
            configYAML: "octavia_stress:\n  prefix: \(prefix)\n  database: \(OctaviaDatabaseOpener.maskPassword(url))\n")
        let ghosts = try OctaviaGhostsResource(ledger: ledger).intend(run: run.id, prefix: prefix, url: url)
        let shape = settings.shape
        console.progress("populating \(shape.loadBalancers) load balancers (\(settings.amphorae) amphorae) in \(OctaviaDatabaseOpener.maskPassword(url))")
        let population: OctaviaPopulation
        do {
            population = try await shared.run { try OctaviaPopulator(database: $0).populate(shape, prefix: prefix) }
        } catch {
            // populate removed its partial rows.
            try? ledger.markDeleted(ghosts, note: "populate failed")
            try? ledger.setRunStatus(run.id, .failed)
            throw error
        }
        console.progress("populated \(population.rows.values.reduce(0, +)) rows under prefix \(prefix) (run \(run.id); after a crash `kloudbuster cleanup` removes them)")

        let coordinator: StressCoordinator
        let link: ControllerLink
        do {
            let serverKeys = try CurveKeyPair.generate()
            link = try ControllerLink(bindHost: "127.0.0.1", serverKeys: serverKeys)
            coordinator = try StressCoordinator(
                runID: run.id, settings: settings, population: population, ghosts: ghosts, database: shared, link: link,
                serverKeys: serverKeys, launcher: LocalCloud(ledger: ledger, agentBinary: agentPath), ledger: ledger,
                cleaner: Cleaner(ledger: ledger, deleters: CleanupCommand.deleters(ledger: ledger)),
                console: console)
        } catch {
            _ = try? await Cleaner(ledger: ledger, deleters: [OctaviaGhostsDeleter(ledger: ledger)]).clean(run: run.id)
            try? ledger.setRunStatus(run.id, .failed)
            throw error
        }
        let signals = SignalRecorder()
        var logger = Logger(label: "kloudbuster.octavia")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: ControllerLinkService(link: link)),
                .init(service: StressService(coordinator: coordinator), successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        guard let result = await coordinator.result else { throw ExitCode.failure }
        if let json {
            do {
                try FileProblem.write(result.jsonText(), to: json)
                console.progress("wrote \(json)")
            } catch {
                console.progress(error is FileProblem ? "\(error)" : "could not write \(json): \(error)")
            }
        }
        if let knee = result.kneeRate {
            console.progress("knee: \(Int(knee)) heartbeats/s kept up\(result.kneeFound == true ? "; the next step fell behind" : " (the ramp ended before the HM fell behind)")")
        } else if result.kneeFound == true {
            console.progress("knee: below the first step's rate (it already fell behind); start lower")
        }
        if let status = signals.exitStatus { throw ExitCode(status) }
        guard result.status == "done" else { throw ExitCode.failure }
    }
}

/// Carries a freshly opened database out of its thread.
struct SharedDatabaseBox: @unchecked Sendable {
    let database: any OctaviaDatabase
    init(_ database: any OctaviaDatabase) { self.database = database }
}

/// The stress test as a service: graceful shutdown (SIGINT, SIGTERM) interrupts it, and it still
/// cleans up; the group shuts down when it returns.
struct StressService: Service {
    let coordinator: StressCoordinator

    func run() async throws {
        let coordinator = coordinator
        _ = await withGracefulShutdownHandler {
            await coordinator.run()
        } onGracefulShutdown: {
            Task { await coordinator.interrupt(reason: "signal received") }
        }
    }
}
