import ArgumentParser
import Foundation
import Logging
import Proto
import ServiceLifecycle

/// `kloudbuster run`: a KloudBuster HTTP scale test on the local cloud. Stages one agent
/// process per VM on its own loopback address, drives them (docs/run-protocol.md), prints an
/// interval line per report interval and a summary, writes the JSON and `.hlog` results, and
/// deletes everything it started, also on SIGINT/SIGTERM and on failure.
public struct RunCommand: AsyncParsableCommand {
    /// The command's name, summary and exit statuses.
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an HTTP scale test on this machine (the local cloud) or on OpenStack.",
        discussion: """
            tenants × routers × networks × VMs of the configuration become agent processes on loopback addresses (127.x.y.z): every server VM runs nginx, every client VM loads its paired server. rate_limit and connections are per client VM, as in KloudBuster.

            On OpenStack (--cloud openstack) the same topology becomes projects, users, routers, networks and VMs (servers in tenants s0.., clients in c0..), every name starting with the run id; the VMs boot the agent image (image_name) with the agent's user data and dial back to --controller-address. An admin user creates everything; a member user needs a tenants file (-l) naming an existing project and users. Everything is recorded before it is created, and deleted at the end.

            On qemu (--cloud qemu) every VM is a real qemu VM on this machine, booted from the agent image (`make image`; --image) with a config drive holding its user data, on a bridge inside a network namespace of the run; flavor sets each VM's CPUs and memory. It needs root. Under TCG a VM takes about a minute and a half to boot.

            Examples:
              kloudbuster run
              kloudbuster run --cloud openstack --rc admin-openrc.sh -c my.yaml
              kloudbuster run --cloud openstack --os-cloud mycloud -l cfg.tenants.yaml
              kloudbuster run -c my.yaml --json out.json --label baseline
              kloudbuster run --interactive
              kloudbuster run --html report.html
              kloudbuster run --cloud qemu -c deploy/samples/qemu.yaml

            Results: every run writes result.json, result.hlog and report.html (the HTML report: charts, tables, the verdict; it opens offline in any browser) into its run folder (<state-dir>/runs/<run-id>/); --json, --hlog and --html write copies. The last line of a run says where they are; `kloudbuster report` makes the report again or compares runs.

            Verdict: every stage and the run are checked (rate reached within 5 %, errors under 1 %, the client engine not saturated, no agent lost or failed, the servers' count matching the clients'); the summary and the JSON (`verdict`) say `ok` or list the reasons.

            Exit status: 0 when the run completed with verdict ok (also when a progression stopped at its limit), 3 when it completed but its verdict lists reasons (the numbers cannot be taken at face value), 1 when it failed, 2 for a usage or configuration error (nothing is staged), 130 after SIGINT and 143 after SIGTERM (results are written and resources deleted in every case). Ctrl-C stops staging or the load at once and cleans up; a second Ctrl-C says so, a third exits at once. After a kill -9, `kloudbuster cleanup` deletes what the run left, and agents stop by themselves after 30 s without their controller.
            """)

    /// Configuration files, merged over the default in order.
    @Option(name: [.customShort("c"), .customLong("config")], help: ArgumentHelp("A configuration file (repeatable; later files win).", valueName: "file"))
    public var configFiles: [String] = []

    /// The JSON result file.
    @Option(name: .customLong("json"), help: ArgumentHelp("Write the JSON result (KloudBuster's kb_result shape) here.", valueName: "file"))
    public var jsonFile: String?

    /// A copy of the HTML report.
    @Option(name: .customLong("html"), help: ArgumentHelp("Also write the HTML report here (every run folder holds one, report.html).", valueName: "file"))
    public var htmlFile: String?

    /// The hlog file.
    @Option(name: .customLong("hlog"), help: ArgumentHelp("Write the HdrHistogram interval log here.", valueName: "file"))
    public var hlogFile: String?

    /// The label.
    @Option(help: ArgumentHelp("Free text stored with the run and its result.", valueName: "text"))
    public var label: String?

    /// Test again on the same staging.
    @Flag(help: "After the test, wait: Enter runs it again on the same staging (no restaging), a label then Enter runs it again under that label, q cleans up and exits. Each test's results go to test-N/ in the run folder.")
    public var interactive = false

    /// Keep resources.
    @Flag(help: "Keep the run's resources (cloud projects, networks, VMs) after the run; delete them later with `kloudbuster cleanup`. Agents still stop 30 s after the controller exits (their watchdog).")
    public var noCleanup = false

    /// The agent binary.
    @Option(help: ArgumentHelp("The kb-agent executable (default: $KB_AGENT_BINARY, else next to kloudbuster).", valueName: "path"))
    public var agentBinary: String?

    /// The swarm.
    @Option(help: ArgumentHelp("Measure the controller itself: play every agent in `kb-agent swarm` processes (2,000 agents each, each agent with its own key and connections) that report N invented latencies per interval, instead of nginx and the load engine. The result's traffic is synthetic. Local cloud only.", valueName: "N"))
    public var swarmSamples: Int?

    /// The cloud and its credentials.
    @OptionGroup public var cloud: CloudOptions

    /// The rack topology file.
    @Option(name: [.customShort("t"), .customLong("topology")],
            help: ArgumentHelp("KloudBuster topology file (servers_rack, clients_rack): place each side's VMs on these compute hosts (OpenStack, admin).", valueName: "file"))
    public var topologyFile: String?

    /// Where agents dial.
    @Option(help: ArgumentHelp("The address the controller listens on and agents dial (default: 127.0.0.1 on the local cloud; on OpenStack, this machine's address toward Keystone).", valueName: "ip"))
    public var controllerAddress: String?

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Checks, before anything is created, what would make the run fail later: a
    /// --controller-address this machine cannot listen on, and the configuration (every error
    /// at its file and line, including a topology the chosen cloud cannot hold). Each is a
    /// usage error, exit status 2; the configuration's notes go to standard error.
    public func validate() throws {
        if let swarmSamples {
            guard cloud.cloud == .local else { throw ValidationError("--swarm-samples needs --cloud local: a swarm plays the agents on this machine") }
            guard (1...1_000_000).contains(swarmSamples) else { throw ValidationError("--swarm-samples: give 1 to 1000000 latencies per interval, got \(swarmSamples)") }
        }
        if let controllerAddress, let problem = ControllerAddress.problem(with: controllerAddress) { throw problem }
        let configuration = try loadConfiguration()
        let target = cloud.cloud.configurationCloud
        var sized = configuration
        // With a tenants file one project holds each side (OpenStackRunSetup says so in a note).
        if cloud.tenantsFile != nil { sized.server.numberOfTenants = 1 }
        let errors = TopologyCapacity.errors(sized, cloud: target)
        guard errors.isEmpty else {
            throw ValidationError("the configuration has errors:\n\(ConfigurationErrors(errors, fileOrder: configFiles))")
        }
        configuration.notes(for: target).forEach { ConfigCommand.printError("note: " + $0) }
    }

    /// Loads the configuration; every problem is a usage error naming file, line and key.
    func loadConfiguration() throws -> Configuration {
        do {
            return try ConfigurationLoader().load(files: configFiles)
        } catch {
            throw ValidationError("the configuration has errors:\n\(error)")
        }
    }

    /// Stages, runs, reports and cleans up.
    public func run() async throws {
        var request = RunRequest(configuration: try loadConfiguration(), cloud: cloud)
        request.label = label
        request.jsonFile = jsonFile
        request.hlogFile = hlogFile
        request.htmlFile = htmlFile
        request.noCleanup = noCleanup
        request.agentBinary = agentBinary
        request.swarmSamples = swarmSamples
        request.topologyFile = topologyFile
        request.controllerAddress = controllerAddress
        if interactive { request.gate = TerminalTestGate() }
        let assembled = try await RunAssembly(request: request, store: try state.openStore(), console: .standardOutput).assemble()
        let signals = SignalRecorder()
        let outcome = try await assembled.run(gracefulShutdownSignals: [.sigterm, .sigint])
        if let status = signals.exitStatus { throw ExitCode(status) }
        guard let outcome, outcome.status != "failed" else { throw ExitCode.failure }
        if !outcome.document.verdict.reasons.isEmpty { throw ExitCode(Self.untrustedStatus) }
    }

    /// The exit status of a run that completed but whose result cannot be trusted (its verdict
    /// lists reasons).
    public static let untrustedStatus: Int32 = 3
}
