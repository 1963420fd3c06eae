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

    /// Keep resources.
    @Flag(help: "Keep the run's resources (cloud projects, networks, VMs) after the run; delete them later with `kloudbuster cleanup`. Agents still stop 30 s after the controller exits (their watchdog).")
    public var noCleanup = false

    /// The agent binary.
    @Option(help: ArgumentHelp("The kb-agent executable (default: $KB_AGENT_BINARY, else next to kloudbuster).", valueName: "path"))
    public var agentBinary: String?

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
        var configuration = try loadConfiguration()
        let outputs = (
            json: jsonFile ?? configuration.result.jsonFile, hlog: hlogFile ?? configuration.result.hlogFile,
            html: htmlFile ?? configuration.result.htmlFile)
        // Before anything else: a typo in a path must cost a second, not the whole test.
        for (path, option) in [(outputs.json, "--json"), (outputs.hlog, "--hlog"), (outputs.html, "--html")] {
            guard let path else { continue }
            do { try OutputFile.checkWritable(path, option: option) } catch { throw ValidationError("\(option): \(error)") }
        }
        let openstack = cloud.cloud == .openstack ? try OpenStackRunSetup(options: cloud, topologyFile: topologyFile, configuration: configuration) : nil
        if let openstack {
            configuration = openstack.configuration
            openstack.notes.forEach { ConsoleReport.standardOutput.progress("note: \($0)") }
        } else if cloud.cloud == .qemu {
            try Self.preflightQemu(configuration)
        } else {
            try Self.preflightLocal(configuration)
        }
        let image = cloud.cloud == .qemu
            ? try QemuImage.locate(option: cloud.image, configured: configuration.openstack.vmImageFile) : nil
        let ledger = Ledger(store: try state.openStore())
        let run = try ledger.newRun(
            label: label ?? configuration.result.label, cloud: openstack?.server.cloudName ?? (image != nil ? QemuNetwork.cloud : ProcessResource.cloud),
            configYAML: configuration.effectiveYAML())
        let coordinator: RunCoordinator
        let link: ControllerLink
        do {
            let topology = openstack != nil || image != nil
                ? try RunTopology(server: configuration.server, runID: run.id, addresses: TenantNetworkAddresses())
                : try Self.localTopology(configuration, runID: run.id, ledger: ledger)
            let launcher: any AgentLauncher
            var deleters = CleanupCommand.deleters(ledger: ledger)
            if let openstack {
                launcher = OpenStackCloud(stager: openstack.stager(
                    topology: topology, configuration: configuration, ledger: ledger, status: .standardOutput,
                    progress: ConsoleReport.standardOutput.progress))
                deleters += OpenStackDeleter.all(sessions: openstack.sessions)
            } else if let image {
                let accelerator = try await cloud.accel.resolve(
                    probe: KVMProbe(ledger: ledger, runID: run.id, image: image),
                    cache: ledger.store.directory.appendingPathComponent("kvm-probe.json")) { print($0) }
                launcher = QemuCloud(
                    ledger: ledger, image: image, configuration: configuration, runID: run.id,
                    publicKeys: try Self.publicKeys(configuration), accelerator: accelerator)
            } else {
                launcher = LocalCloud(ledger: ledger, agentBinary: try AgentBinary.locate(option: agentBinary))
            }
            let bindHost = try controllerAddress ?? openstack?.controllerAddress() ?? "127.0.0.1"
            let serverKeys = try CurveKeyPair.generate()
            link = try ControllerLink(bindHost: bindHost, serverKeys: serverKeys)
            var settings = RunSettings(configuration: configuration)
            // Under TCG a VM takes 60-100 s from qemu's start to its agent's Hello.
            if image != nil { settings.joinTimeout = Self.qemuJoinTimeout }
            coordinator = try RunCoordinator(
                runID: run.id, configuration: configuration, settings: settings,
                topology: topology, link: link, serverKeys: serverKeys,
                launcher: launcher, ledger: ledger,
                cleaner: Cleaner(ledger: ledger, deleters: deleters),
                console: .standardOutput,
                outputs: .init(
                    jsonFile: outputs.json, hlogFile: outputs.hlog, htmlFile: outputs.html,
                    label: label ?? configuration.result.label, cleanup: configuration.cleanupResources && !noCleanup))
        } catch {
            try? ledger.setRunStatus(run.id, .failed)
            throw error
        }
        let signals = SignalRecorder()
        // The group logs its own lifecycle at info; the run's console is the user's view.
        var logger = Logger(label: "kloudbuster.run")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: ControllerLinkService(link: link)),
                .init(
                    service: RunService(coordinator: coordinator),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        if let status = signals.exitStatus { throw ExitCode(status) }
        guard let outcome = await coordinator.outcome, outcome.status != "failed" else { throw ExitCode.failure }
        if !outcome.document.verdict.reasons.isEmpty { throw ExitCode(Self.untrustedStatus) }
    }

    /// The exit status of a run that completed but whose result cannot be trusted (its verdict
    /// lists reasons).
    public static let untrustedStatus: Int32 = 3

    /// What the local cloud checks before anything exists: loopback room, descriptors,
    /// nginx workers, processes. A problem is a usage error (exit 2) and nothing is recorded.
    static func preflightLocal(_ configuration: Configuration) throws {
        LocalPreflight.raiseDescriptorLimit()
        let errors = TopologyCapacity.errors(configuration, cloud: .local)
        guard errors.isEmpty else {
            throw ValidationError(
                "this machine cannot run the configuration (nothing was staged):\n" + errors.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }

    /// How long the VMs of a qemu run have to boot and say Hello.
    static let qemuJoinTimeout: Duration = .seconds(300)

    /// What the qemu cloud checks before anything exists: root, /dev/net/tun, its programs,
    /// then memory and CPUs for the flavors. A problem is a usage error (exit 2).
    static func preflightQemu(_ configuration: Configuration) throws {
        let host = QemuPreflight.hostProblems()
        let errors = host + TopologyCapacity.errors(configuration, cloud: .qemu).map(\.description)
        guard errors.isEmpty else {
            throw ValidationError(
                "this machine cannot boot the configuration's VMs (nothing was staged):\n" + errors.map { "  - \($0)" }.joined(separator: "\n"))
        }
    }

    /// `public_key_file`'s key, for root in every VM.
    static func publicKeys(_ configuration: Configuration) throws -> [String: String] {
        guard let file = configuration.openstack.publicKeyFile else { return [:] }
        do {
            let key = try String(contentsOfFile: (file as NSString).expandingTildeInPath, encoding: .utf8)
            return ["kloudbuster": key.trimmingCharacters(in: .whitespacesAndNewlines)]
        } catch {
            throw ValidationError("public_key_file: \(FileProblem(.read, path: file, error: error).reason)")
        }
    }

    /// The local topology on loopback octets reserved for this run in the state store, away
    /// from every other live run and from addresses something already listens on.
    static func localTopology(_ configuration: Configuration, runID: String, ledger: Ledger) throws -> RunTopology {
        let width = 2 * configuration.server.numberOfTenants
        let base = try ledger.reserveLoopback(run: runID, width: width) { range in
            guard let layout = try? LoopbackAddresses(tenantBase: range.lowerBound),
                let topology = try? RunTopology(server: configuration.server, runID: runID, addresses: layout)
            else { return false }
            guard topology.servers.allSatisfy({ LoopbackProbe.canListen(address: $0.address, port: RunCoordinator.serverPort) }),
                let claim = LoopbackLocks.claim(range)
            else { return false }
            LoopbackLocks.keep(claim)
            return true
        }
        if base != 1 {
            ConsoleReport.standardOutput.progress("note: loopback 127.\(base)-\(base + width - 1).x.x (127.1.x.x and up are in use by another run or process)")
        }
        return try RunTopology(server: configuration.server, runID: runID, addresses: try LoopbackAddresses(tenantBase: base))
    }
}
